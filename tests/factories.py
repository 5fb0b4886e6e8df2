"""factory_boy factories. Every factory that makes an owned object takes `owner`; related objects made
along the way get the same owner, so a test never builds a cross-user graph by accident."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber, Tag
from followups.models import FollowUp
from interactions.models import Event, Interaction, Kind, Participation
from transfer.models import ImportJob

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    time_zone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def confirmed(obj, create, extracted, **kwargs):
        """Addresses count as confirmed (accounts.confirmations) unless `confirmed=False` is passed: most
        tests are about something else than confirming an address."""
        if create and extracted is not False:
            obj.addresses_mark_confirmed()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    owner = factory.SubFactory(UserFactory)
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    display_name = factory.LazyAttribute(lambda c: f"{c.given_name} {c.family_name}")
    intention = Intention.PERSONAL
    circle = Circle.CLOSE


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    contact = factory.SubFactory(ContactFactory)
    owner = factory.SelfAttribute("contact.owner")
    address = factory.Sequence(lambda n: f"person{n}@example.org")


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    contact = factory.SubFactory(ContactFactory)
    owner = factory.SelfAttribute("contact.owner")
    number = "+44 20 7946 0000"
    e164 = "+442079460000"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Event {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    place = "Lisbon"
    setting = Setting.FORMAL


class InteractionFactory(factory.django.DjangoModelFactory):
    """An interaction; pass `contacts=[...]` to add participants (owned by the same user)."""

    class Meta:
        model = Interaction
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    kind = Kind.CONVERSATION
    purpose = Purpose.PERSONAL
    setting = Setting.INFORMAL

    @factory.post_generation
    def contacts(obj, create, extracted, **kwargs):
        if create and extracted:
            Participation.objects.bulk_create(Participation.of(obj, c) for c in extracted)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A requested follow-up due yesterday (no clock behind it, so it is outside the one-open-clock key);
    pass `reason`, `clock_since` and `cadence_days` for a clock one."""

    class Meta:
        model = FollowUp

    contact = factory.SubFactory(ContactFactory)
    owner = factory.SelfAttribute("contact.owner")
    purpose = Purpose.PERSONAL
    reason = "requested"
    due_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    note = "send the photos"


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An uploaded file waiting for its preview to be confirmed (no rows)."""

    class Meta:
        model = ImportJob

    owner = factory.SubFactory(UserFactory)
    filename = "contacts.vcf"
    source = "vcard"
