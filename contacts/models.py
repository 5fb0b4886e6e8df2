from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.bulk import CopyQuerySet
from accounts.choices import MAX_CADENCE_DAYS, Circle, Intention
from accounts.dates import EARLIEST_YEAR, LATEST_YEAR
from accounts.pages import url_with_id
from contacts.clock import CLOCK_FIELDS, CLOCK_INPUTS, OwnerSettings, clock_fill
from contacts.text import casefold_key, search_text_from

TAG_MAX_LENGTH = 50
# str.casefold() turns one character into at most three ("ﬃ" -> "ffi"), so a folded copy is at most three
# times as long as its value.
_FOLD_GROWTH = 3
_CLOCK_INPUTS = frozenset(CLOCK_INPUTS)


# django-stubs types a field by what it stores and reads (CharField[str, str]), a subscript Django's own
# classes do not take at run time.
class FoldedField(models.CharField):  # type: ignore[type-arg]
    """The case-folded copy (`contacts.text.casefold_key`) of another field of the model, `source`, that
    uniqueness and lookups ignoring case go through.

    It is worked out in `pre_save`, which Django runs for save(), create() and bulk_create() alike, so that no
    way of writing the row can leave it out of step; a model with one also adds it to save()'s
    `update_fields` when its source is there (`folded_update_fields`). QuerySet.update() is the one way
    around it, and nothing in Kith updates a name or address that way.
    """

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        del kwargs["editable"]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = casefold_key(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def folded_update_fields(model: type[models.Model], kwargs: dict[str, Any]) -> None:
    """Add to save()'s `update_fields` in `kwargs` the folded copy of each field there, so that saving a
    renamed tag with update_fields=["name"] refolds it too."""
    update_fields = kwargs.get("update_fields")
    if update_fields is None:
        return
    folded = [f.name for f in model._meta.fields if isinstance(f, FoldedField) and f.source in update_fields]
    kwargs["update_fields"] = {*update_fields, *folded}


class CardUidField(models.CharField):  # type: ignore[type-arg]
    """A contact's vCard UID, stable for the contact's life: a random UUID unless a phone chose it. Filled
    in `pre_save`, which runs for save(), create() and bulk_create() alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["editable"]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.attname) or str(uuid.uuid4())
        setattr(model_instance, self.attname, value)
        return value


class CardNameField(CardUidField):
    """The name of a contact's card in the CardDAV address books (the last part of its URL): the name a phone
    gave it, or `<uid>.vcf`. Declared after `uid`, whose pre_save has run by then."""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.attname) or f"{model_instance.uid}.vcf"  # type: ignore[attr-defined]
        setattr(model_instance, self.attname, value)
        return value


class Tag(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX_LENGTH)
    # What "Climbing" and "climbing" share, and what the tag is looked up and kept unique by.
    name_folded = FoldedField(max_length=_FOLD_GROWTH * TAG_MAX_LENGTH, source="name")
    # Not a column: contacts.receivers keeps here, between a pre_ and a post_ signal, the contacts that had
    # the tag, whose search text must then lose its name.
    _search_contact_ids: list[int]

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Climbing" and "climbing" are one tag; tag_get_or_create and tag_find look it up here.
            models.UniqueConstraint(fields=["owner", "name_folded"], name="tag_unique_folded_name_per_owner"),
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
            models.CheckConstraint(condition=~Q(name_folded=""), name="tag_name_folded_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        folded_update_fields(Tag, kwargs)
        super().save(*args, **kwargs)


class ContactQuerySet(CopyQuerySet["Contact"]):
    def bulk_create(self, objs: Iterable[Contact], *args: Any, **kwargs: Any) -> list[Contact]:
        """Fill each contact's search text and clock state from its own fields, as save() would. Tags added
        afterwards through the m2m table in bulk need `contacts_refresh_search_text`."""
        objs = list(objs)
        owners = OwnerSettings()
        for contact in objs:
            if not contact.search_text:
                contact.search_text = contact.build_search_text([])
            owners.fill(contact)
        return super().bulk_create(objs, *args, **kwargs)


class Contact(models.Model):
    """A person the user knows, with the intention the user set for them."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    display_name = models.CharField("name", max_length=200)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField("job title", max_length=200, blank=True)
    birthday_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    birthday_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    birthday_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)],
    )
    links = models.JSONField(default=list, blank=True, help_text="Web addresses: a list of strings.")
    notes = models.TextField(blank=True)
    intention = models.CharField(max_length=12, choices=Intention.choices)
    circle = models.CharField(max_length=5, choices=Circle.choices, default=Circle.CLOSE)
    personal_cadence_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
        help_text="Overrides the personal cadence of the contact's circle.",
    )
    professional_cadence_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CADENCE_DAYS)],
        help_text="Overrides the professional cadence of the contact's circle.",
    )
    reminders_paused = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    # vCard properties Kith has no field for, kept verbatim so an export gives them back.
    vcard_extra = models.TextField(blank=True)
    # The card's identity for phones syncing by CardDAV (the dav app): its UID and its name in the books.
    uid = CardUidField(max_length=255)
    card_name = CardNameField(max_length=255)
    # Made on a phone and not yet given an intention in Kith: listed under "New from your phone", with
    # reminders paused until the user sets one (contacts.actions.contact_update).
    new_from_phone = models.BooleanField(default=False)

    # The last interaction overall and per purpose, kept in step by interactions.interaction_* functions,
    # so that lists, sorting and health never aggregate the whole interaction table.
    last_interaction_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_personal_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_professional_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The one before the last, per purpose: "at least two interactions of that purpose since <a date>" without
    # reading the timeline (the dashboards' lasting relationships).
    previous_personal_at = models.DateTimeField(null=True, blank=True, editable=False)
    previous_professional_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The purposes of the latest DRIFT_WINDOW interactions, newest first, comma-separated (drift).
    recent_purposes = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The due date of the contact's earliest open follow-up, kept in step by the follow-up planner in
    # interactions, so the contacts list can sort by it without knowing about follow-ups.
    next_followup_on = models.DateField(null=True, blank=True, editable=False)
    # The import that brought the contact's history (LinkedIn's "connected on"): its local date and the
    # contact's place in it, from 0 up to 1. A clock that import left overdue is due at that place in its
    # cadence instead of at once (contacts.policy.imported_clock_due); transfer.writing sets both.
    imported_on = models.DateField(null=True, blank=True, editable=False)
    import_position = models.FloatField(null=True, blank=True, editable=False)
    # The clocks as dates (contacts.policy.ClockState), so that the dashboards and the health filter read an
    # index range instead of working out every contact's clocks: per purpose the cadence, the last day the
    # clock is recent and the first day it is lapsed, and the days the contact's health (the clocks its
    # intention keeps) turns fading and lapsed. None only before the first write. Written with the rows
    # they are made of, by contacts.clock (save(), bulk_create, the timeline summary, bulk changes,
    # settings, imports, merges, restores); tests/test_clock_state.py checks them against the policy after
    # random sequences of writes.
    personal_clock_cadence = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    personal_clock_due_on = models.DateField(null=True, blank=True, editable=False)
    personal_clock_lapsed_on = models.DateField(null=True, blank=True, editable=False)
    professional_clock_cadence = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    professional_clock_due_on = models.DateField(null=True, blank=True, editable=False)
    professional_clock_lapsed_on = models.DateField(null=True, blank=True, editable=False)
    health_fading_on = models.DateField(null=True, blank=True, editable=False)
    health_lapsed_on = models.DateField(null=True, blank=True, editable=False)
    # policy.is_drifting of the intention and `recent_purposes`, kept with the clock state.
    drifting = models.BooleanField(default=False, editable=False)
    # Name, company, job title, notes and tag names, folded by contacts.text (lower case, no accents), so
    # that one substring test finds "Ñúñez" from "nunez" on every database. save() and the tag receivers in
    # contacts.receivers keep it in step; `contacts_refresh_search_text` rebuilds it after bulk writes. On
    # PostgreSQL a trigram index serves the search (migration 0004).
    search_text = models.TextField(blank=True, default="", editable=False)

    # Stamped when the object is made, not when it is written (auto_now_add would stamp it again on insert):
    # the clock state and an import's follow-up plan, worked out before the insert, count from this moment.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = [Lower("display_name"), "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(display_name=""), name="contact_name_not_empty"),
            models.CheckConstraint(
                condition=Q(intention__in=Intention.values), name="contact_intention_valid"
            ),
            models.CheckConstraint(condition=Q(circle__in=Circle.values), name="contact_circle_valid"),
            models.CheckConstraint(
                condition=Q(
                    birthday_month__isnull=True, birthday_day__isnull=True, birthday_year__isnull=True
                )
                | Q(
                    birthday_month__isnull=False,
                    birthday_day__isnull=False,
                    birthday_month__gte=1,
                    birthday_month__lte=12,
                    birthday_day__gte=1,
                    birthday_day__lte=31,
                ),
                name="contact_birthday_month_and_day",
            ),
            models.CheckConstraint(
                condition=Q(personal_cadence_days__isnull=True)
                | Q(personal_cadence_days__gte=1, personal_cadence_days__lte=MAX_CADENCE_DAYS),
                name="contact_personal_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(professional_cadence_days__isnull=True)
                | Q(professional_cadence_days__gte=1, professional_cadence_days__lte=MAX_CADENCE_DAYS),
                name="contact_professional_cadence_range",
            ),
            # Lets PostgreSQL check, with composite foreign keys, that an interaction's participants
            # belong to the interaction's owner (interactions migration 0002).
            models.UniqueConstraint(fields=["id", "owner"], name="contact_id_owner"),
            # A phone finds a card by its UID or its name in the address books (dav.store).
            models.UniqueConstraint(fields=["owner", "uid"], name="contact_unique_uid_per_owner"),
            models.UniqueConstraint(fields=["owner", "card_name"], name="contact_unique_card_name_per_owner"),
        ]
        indexes = [
            # Contacts list sorted by name, for one owner.
            models.Index("owner", Lower("display_name"), name="contact_owner_name"),
            # Contacts list sorted by last interaction.
            models.Index(fields=["owner", "last_interaction_at"], name="contact_owner_last"),
            # Contacts list sorted by due date.
            models.Index(fields=["owner", "next_followup_on"], name="contact_owner_due"),
            # The dashboards (dashboards.queries): per purpose, each circle's people and who is most
            # overdue per cadence by an ordered range, and the counts by health, circle and clock from the
            # index alone.
            *(
                models.Index(
                    fields=[
                        "owner",
                        "circle",
                        f"{purpose}_clock_cadence",
                        f"{purpose}_clock_due_on",
                        "health_fading_on",
                        "health_lapsed_on",
                        "reminders_paused",
                    ],
                    condition=Q(archived_at__isnull=True, intention__in=[purpose, Intention.BOTH]),
                    name=f"contact_{purpose}_clock",
                )
                for purpose in ("personal", "professional")
            ),
            # Which cadences the owner set by hand (few contacts have one): the dashboards look for the most
            # overdue per cadence.
            *(
                models.Index(
                    fields=["owner", f"{purpose}_cadence_days"],
                    condition=Q(**{f"{purpose}_cadence_days__isnull": False}),
                    name=f"contact_{purpose[:4]}_cadence_set",
                )
                for purpose in ("personal", "professional")
            ),
            # The dashboards' drift: who drifts, by name.
            models.Index(
                "owner",
                "intention",
                Lower("display_name"),
                condition=Q(drifting=True, archived_at__isnull=True),
                name="contact_drifting",
            ),
            # The few contacts that get no reminders, which the dashboards' follow-up counts leave out.
            models.Index(
                fields=["owner", "id"],
                condition=Q(archived_at__isnull=False) | Q(reminders_paused=True),
                name="contact_inactive",
            ),
            # The contacts list's "New from your phone": the few cards a phone made, waiting for an intention.
            models.Index(fields=["owner"], condition=Q(new_from_phone=True), name="contact_new_from_phone"),
            # The health filter of the contacts list and the dashboards' health lists.
            models.Index(fields=["owner", "health_lapsed_on"], name="contact_owner_lapsed"),
            models.Index(fields=["owner", "health_fading_on"], name="contact_owner_fading"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, keeping `search_text` and the clock state (contacts.clock) in step with the fields they are
        made of."""
        if self.pk is None:
            tag_names: Iterable[str] = []
        elif "tags" in getattr(self, "_prefetched_objects_cache", {}):
            tag_names = [tag.name for tag in self.tags.all()]
        else:
            tag_names = self.tags.values_list("name", flat=True)
        self.search_text = self.build_search_text(tag_names)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        if update_fields is None or not _CLOCK_INPUTS.isdisjoint(update_fields):
            clock_fill(self, self.owner.cadence_table(), self.owner.zone)
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *CLOCK_FIELDS}
        super().save(*args, **kwargs)
        card_changes_record(self.owner_id, [self.card_name])

    def get_absolute_url(self) -> str:
        return url_with_id("contact_detail", self.pk)

    @property
    def recent_purpose_list(self) -> list[str]:
        """The purposes of the latest interactions, newest first (at most policy.DRIFT_WINDOW)."""
        return self.recent_purposes.split(",") if self.recent_purposes else []

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def birthday_text(self) -> str:
        """ "3 December", or "3 December 1990" when the year is known; "" without a birthday."""
        if not (self.birthday_month and self.birthday_day):
            return ""
        text = f"{self.birthday_day} {calendar.month_name[self.birthday_month]}"
        return f"{text} {self.birthday_year}" if self.birthday_year else text

    def build_search_text(self, tag_names: Iterable[str]) -> str:
        return search_text_from(
            [
                *(self.display_name, self.given_name, self.family_name, self.company, self.title, self.notes),
                *sorted(tag_names),
            ]
        )

    def clean(self) -> None:
        if (self.birthday_month is None) != (self.birthday_day is None) or (
            self.birthday_year is not None and self.birthday_month is None
        ):
            raise ValidationError("A birthday needs both a month and a day (the year is optional).")
        if self.birthday_month and self.birthday_day:
            # 29 February is allowed without a year; with a year, the date must exist.
            leap_year = 2000 if self.birthday_year is None else self.birthday_year
            if self.birthday_day > calendar.monthrange(leap_year, self.birthday_month)[1]:
                raise ValidationError({"birthday_day": "That day does not exist in that month."})


def contacts_refresh_search_text(contact_ids: Iterable[int]) -> int:
    """Rebuild the search text of the given contacts (after tags change, or rows written in bulk) with
    three queries whatever their number. Returns how many contacts it rewrote."""
    contacts = list(Contact.objects.filter(pk__in=list(contact_ids)).prefetch_related("tags"))
    for contact in contacts:
        contact.search_text = contact.build_search_text(tag.name for tag in contact.tags.all())
    Contact.objects.bulk_update(contacts, ["search_text"], batch_size=500)
    return len(contacts)


# Names per statement when the log is written, well under SQLite's bound on query parameters.
_CHANGE_BATCH = 500


class CardChange(models.Model):
    """The latest change to one card name of an owner's address books, for phones syncing by CardDAV.

    The id is the log's position: a sync token is one, and the cards changed since it are the names with a
    higher id (each then served, or answered as gone when it has left a book). Each name keeps only its latest
    row, so the log holds at most one row per card ever made, and the owner's highest id is the books' ctag.
    """

    id = models.BigAutoField(primary_key=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)

    objects = CopyQuerySet["CardChange"].as_manager()

    class Meta:
        indexes = [
            # The changes since a sync token, and the ctag (the highest id), for one owner.
            models.Index(fields=["owner", "id"], name="cardchange_owner_id"),
            # The row a new change of the same name replaces.
            models.Index(fields=["owner", "name"], name="cardchange_owner_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.pk}"


def card_changes_record(owner_id: int, names: Iterable[str]) -> None:
    """Note that the cards with these names changed (or went): each gets a new, higher log position.

    The owner's row is locked first (FOR NO KEY UPDATE, until the transaction ends), so one owner's changes
    commit in the order of their positions: a phone that read position 10 can never later see a 9 appear
    (with a sequence, two transactions may otherwise commit their ids out of order)."""
    ordered = sorted(set(names))
    if not ordered:
        return
    with transaction.atomic():
        get_user_model().objects.select_for_update(no_key=True).filter(pk=owner_id).values_list("pk").first()
        for start in range(0, len(ordered), _CHANGE_BATCH):
            batch = ordered[start : start + _CHANGE_BATCH]
            CardChange.objects.filter(owner_id=owner_id, name__in=batch).delete()
        CardChange.objects.bulk_create(
            [CardChange(owner_id=owner_id, name=name) for name in ordered], batch_size=_CHANGE_BATCH
        )


def contacts_cards_changed(contact_ids: Iterable[int]) -> None:
    """Note that these contacts' cards changed, after a write that went around Contact.save()."""
    _cards_changed(Contact.objects.filter(pk__in=list(contact_ids)).only("owner_id", "card_name"))


def _cards_changed(contacts: Iterable[Contact]) -> None:
    by_owner: dict[int, list[str]] = {}
    for contact in contacts:
        by_owner.setdefault(contact.owner_id, []).append(contact.card_name)
    for owner_id, names in by_owner.items():
        card_changes_record(owner_id, names)


class EmailAddress(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField()
    # What "Ana@Example.org" and "ana@example.org" share: one contact holds an address once, and duplicate
    # warnings, import matching and merging compare this.
    address_folded = FoldedField(max_length=_FOLD_GROWTH * 254, source="address")
    label = models.CharField(max_length=30, blank=True)

    objects = CopyQuerySet["EmailAddress"].as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "address_folded"], name="email_unique_folded_per_contact"
            ),
            models.CheckConstraint(condition=~Q(address_folded=""), name="email_address_folded_not_empty"),
        ]
        indexes = [
            # Duplicate warnings (contacts.queries.contact_duplicates) look a contact up by folded email.
            models.Index(fields=["owner", "address_folded"], name="email_owner_address_folded"),
        ]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        folded_update_fields(EmailAddress, kwargs)
        super().save(*args, **kwargs)


class PhoneNumber(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=40, help_text="As the user typed it.")
    e164 = models.CharField(max_length=20, blank=True, help_text="Normalised for matching, when possible.")
    label = models.CharField(max_length=30, blank=True)

    objects = CopyQuerySet["PhoneNumber"].as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # Import matching looks a contact up by normalised phone number.
            models.Index(fields=["owner", "e164"], name="phone_owner_e164"),
        ]

    def __str__(self) -> str:
        return self.number


class MyCard(models.Model):
    """The user's own card: what they hand to people they meet, as a QR code at events (contacts.mycard)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="my_card")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField("title", max_length=200, blank=True)
    url = models.URLField("link", blank=True, help_text="A page about you: a website, a profile.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or "My card"

    @property
    def is_empty(self) -> bool:
        return not any([self.name, self.email, self.phone, self.company, self.job_title, self.url])
