"""What the database itself guarantees, whatever code writes to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.choices import Circle, Intention, Purpose, Setting
from contacts.models import Contact, Tag
from interactions.models import Event, Interaction, Participation
from tests.factories import ContactFactory, EventFactory, InteractionFactory, TagFactory

pytestmark = pytest.mark.django_db


def _refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(**fields)
        # Some of PostgreSQL's checks are deferred to commit; make them fire inside the block.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_contact_needs_a_name(alice):
    _refused(owner=alice, display_name="", intention=Intention.PERSONAL)


def test_a_contact_intention_must_be_one_of_the_three(alice):
    _refused(owner=alice, display_name="Ana", intention="romantic")


def test_a_contact_circle_must_be_known(alice):
    _refused(owner=alice, display_name="Ana", intention=Intention.PERSONAL, circle="outer")


@pytest.mark.parametrize(
    "birthday",
    [
        {"birthday_month": 13, "birthday_day": 1},
        {"birthday_month": 2, "birthday_day": 0},
        {"birthday_month": 2},
        {"birthday_year": 1990},
    ],
    ids=["month-13", "day-0", "month-without-day", "year-alone"],
)
def test_a_birthday_needs_a_real_month_and_day(alice, birthday):
    _refused(owner=alice, display_name="Ana", intention=Intention.PERSONAL, **birthday)


def test_a_birthday_without_a_year_is_fine(alice):
    ana = Contact.objects.create(
        owner=alice, display_name="Ana", intention=Intention.BOTH, birthday_month=2, birthday_day=29
    )
    ana.full_clean()


def test_29_february_of_a_non_leap_year_is_refused_by_validation(alice):
    ana = Contact(
        owner=alice,
        display_name="Ana",
        intention=Intention.PERSONAL,
        birthday_month=2,
        birthday_day=29,
        birthday_year=2023,
    )
    with pytest.raises(Exception, match="does not exist"):
        ana.full_clean()


@pytest.mark.parametrize("field", ["personal_cadence_days", "professional_cadence_days"])
def test_a_cadence_override_is_at_least_one_day(alice, field):
    _refused(owner=alice, display_name="Ana", intention=Intention.PERSONAL, **{field: 0})


def test_a_new_contact_defaults_to_the_close_circle(alice):
    assert ContactFactory(owner=alice).circle == Circle.CLOSE


def test_tags_are_unique_per_owner_ignoring_case(alice, bob):
    TagFactory(owner=alice, name="Climbing")
    TagFactory(owner=bob, name="climbing")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=alice, name="climbing")


def test_an_event_cannot_end_before_it_starts(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            owner=alice,
            name="Web Summit",
            start_date=dt.date(2026, 11, 10),
            end_date=dt.date(2026, 11, 9),
            setting=Setting.FORMAL,
        )


def test_a_three_day_conference_is_one_event(alice):
    event = EventFactory(owner=alice, start_date=dt.date(2026, 11, 10), end_date=dt.date(2026, 11, 12))
    assert event.end_date - event.start_date == dt.timedelta(days=2)


@pytest.mark.parametrize(
    "fields",
    [{"purpose": "romantic"}, {"setting": "casual"}, {"kind": "telepathy"}],
    ids=["purpose", "setting", "kind"],
)
def test_an_interaction_refuses_unknown_choices(alice, fields):
    base = {"owner": alice, "occurred_at": timezone.now(), "purpose": Purpose.PERSONAL}
    base["setting"] = Setting.INFORMAL
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(**{**base, **fields})


def test_a_contact_takes_part_in_an_interaction_once(alice):
    ana = ContactFactory(owner=alice)
    interaction = InteractionFactory(owner=alice, contacts=[ana])
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(owner=alice, interaction=interaction, contact=ana)


def _immediately(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
def test_postgres_refuses_a_participant_of_another_user(alice, bob):
    bobs_friend = ContactFactory(owner=bob)
    interaction = InteractionFactory(owner=alice)
    _immediately(
        lambda: Participation.objects.create(owner=alice, interaction=interaction, contact=bobs_friend)
    )


@pytest.mark.postgres
def test_postgres_refuses_an_interaction_at_another_users_event(alice, bob):
    bobs_party = EventFactory(owner=bob)
    _immediately(lambda: InteractionFactory(owner=alice, event=bobs_party))


@pytest.mark.postgres
def test_postgres_refuses_an_email_address_filed_under_another_user(alice, bob):
    ana = ContactFactory(owner=alice)
    _immediately(lambda: ana.emails.create(owner=bob, address="ana@example.org"))


def test_deleting_an_event_keeps_its_interactions(alice):
    event = EventFactory(owner=alice)
    interaction = InteractionFactory(owner=alice, event=event, contacts=[ContactFactory(owner=alice)])
    event.delete()
    interaction.refresh_from_db()
    assert interaction.event is None


def test_deleting_a_user_deletes_everything_they_own_and_nothing_else(alice, bob):
    for owner in (alice, bob):
        contact = ContactFactory(owner=owner)
        contact.tags.add(TagFactory(owner=owner))
        InteractionFactory(owner=owner, event=EventFactory(owner=owner), contacts=[contact])
    alice.delete()
    assert Contact.objects.filter(owner=bob).count() == 1
    assert Interaction.objects.filter(owner=bob).count() == 1
    assert Contact.objects.count() == Interaction.objects.count() == Event.objects.count() == 1
    assert Participation.objects.count() == Tag.objects.count() == 1
