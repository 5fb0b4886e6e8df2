from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.bulk import CopyQuerySet
from accounts.choices import Intention, Purpose, Setting
from contacts.models import Contact, Tag


class Event(models.Model):
    """A gathering where people are met. A three-day conference is one event."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    setting = models.CharField(max_length=8, choices=Setting.choices)
    notes = models.TextField(blank=True)
    # The key a phone gave an event started offline (static/js/outbox.js): sending it again, after a lost
    # answer or from another tab, finds the event saved the first time (interactions.capture.event_start).
    client_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="event_name_not_empty"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="event_setting_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_ends_after_start",
            ),
            models.UniqueConstraint(fields=["id", "owner"], name="event_id_owner"),
            models.UniqueConstraint(
                fields=["owner", "client_key"],
                condition=Q(client_key__isnull=False),
                name="event_client_key_once",
            ),
        ]
        indexes = [
            # Events list, newest first; "today's event" looks up events spanning a date.
            models.Index(fields=["owner", "-start_date"], name="event_owner_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("event_detail", args=[self.pk])


class Kind(models.TextChoices):
    MET = "met", "Met"
    CONVERSATION = "conversation", "Conversation"
    CALL = "call", "Call"
    MESSAGE = "message", "Message"
    EMAIL = "email", "Email"
    MEAL = "meal", "Meal"
    OTHER = "other", "Other"


class Interaction(models.Model):
    """A moment with one or more contacts, tagged with its purpose."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions")
    occurred_at = models.DateTimeField("when")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CONVERSATION)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    setting = models.CharField(max_length=8, choices=Setting.choices)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    contacts = models.ManyToManyField(
        Contact, through="Participation", related_name="interactions", verbose_name="participants"
    )
    notes = models.TextField(blank=True)
    # The key a quick-capture row was sent with, on the `met` interaction it saved: a row sent twice (the
    # first answer was lost, the phone retried) finds the meeting saved the first time (interactions.capture).
    row_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not a column: the contact page sets it on each interaction of its timeline, the people besides the
    # contact whose page it is.
    others: list[Contact]

    objects = CopyQuerySet["Interaction"].as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="interaction_kind_valid"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="interaction_purpose_valid"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="interaction_setting_valid"),
            models.UniqueConstraint(fields=["id", "owner"], name="interaction_id_owner"),
            # One meeting per capture row, whichever web process each of its requests reached.
            models.UniqueConstraint(
                fields=["owner", "row_key"],
                condition=Q(row_key__isnull=False),
                name="interaction_row_key_once",
            ),
        ]
        indexes = [
            # Dashboards count an owner's interactions by month and purpose.
            models.Index(fields=["owner", "occurred_at", "purpose"], name="interaction_owner_when"),
            # Dashboards' events: an owner's meetings at events, by purpose, without the table.
            models.Index(
                fields=["owner", "purpose", "event", "occurred_at", "id"],
                condition=Q(kind="met", event__isnull=False),
                name="interaction_met_at_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%Y-%m-%d}"

    def save(self, *args: object, **kwargs: object) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if not adding:
            # Its participations carry its time and purpose (Participation): a change reaches them here.
            self.participations.exclude(occurred_at=self.occurred_at, purpose=self.purpose).update(
                occurred_at=self.occurred_at, purpose=self.purpose
            )


class Participation(models.Model):
    """One contact taking part in one interaction. `owner` is repeated so PostgreSQL can check, with
    composite foreign keys, that contact and interaction belong to the same user, and the contact's
    intention at the time is kept (`intention_then`).

    The interaction's time and purpose are repeated too, so that "who was seen when, for what" (the balance
    per tag, a contact's timeline summary) reads one index instead of joining every interaction. Make rows
    with `Participation.of`; Interaction.save() carries a change of either to its participations, and the
    test suite checks after every test that no row disagrees with its interaction."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participations")
    occurred_at = models.DateTimeField(editable=False)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, editable=False)
    # The contact's intention when they took part (quick capture's row can still correct it): an event's
    # cohort counts the people met there whose intention has changed since (interactions.cohorts).
    intention_then = models.CharField(
        "intention at the time", max_length=12, choices=Intention.choices, editable=False
    )

    objects = CopyQuerySet["Participation"].as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interaction", "contact"], name="participation_once"),
        ]
        indexes = [
            # A contact's timeline: their interactions, newest first. The owner comes second for PostgreSQL's
            # check of the (contact, owner) key when a contact is deleted: without it, the check's generic
            # plan ANDs in the owner's index and reads every participation of that owner for each contact
            # (16 ms a contact for an owner with 600,000 of them: deleting 1,000 contacts took 17 s, 0.4 now).
            models.Index(fields=["contact", "owner", "interaction"], name="participation_contact_owner"),
            # Who was seen in a period, for what: the balance per tag, read from the index alone on
            # PostgreSQL (other databases ignore INCLUDE).
            models.Index(
                fields=["owner", "occurred_at"],
                include=["contact", "interaction", "purpose"],
                name="participation_owner_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.interaction_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        # A row made field by field (the admin's inline) takes its interaction's time and purpose.
        if self.interaction_id is not None:
            self.occurred_at, self.purpose = self.interaction.occurred_at, self.interaction.purpose
        if not self.intention_then and self.contact_id is not None:
            self.intention_then = self.contact.intention
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def of(cls, interaction: Interaction, contact: Contact) -> Participation:
        """The row saying `contact` took part in `interaction`, with the interaction's time and purpose and
        the contact's intention now."""
        return cls(
            owner_id=interaction.owner_id,
            interaction=interaction,
            contact=contact,
            occurred_at=interaction.occurred_at,
            purpose=interaction.purpose,
            intention_then=contact.intention,
        )


class InteractionDay(models.Model):
    """How many interactions of one purpose the owner had on one local day (in their time zone): the small
    summary the dashboards' counts read (dashboards.counts) instead of every interaction, a few hundred rows
    for a year however many interactions it held. Written only by `interaction_days_refresh`
    (interactions.days), which every writer of interactions calls for the days it touched; a day with none
    has no row."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # One row per day and purpose; its index serves the dashboards' read of a range of days.
            models.UniqueConstraint(fields=["owner", "day", "purpose"], name="interaction_day_once"),
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values), name="interaction_day_purpose_valid"
            ),
            models.CheckConstraint(condition=Q(count__gt=0), name="interaction_day_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.purpose} on {self.day:%Y-%m-%d}"


class TagDay(models.Model):
    """How many interactions of one purpose on one local day had a person of one tag taking part (two such
    people count once): the Balance's summary per tag. Written only by interactions.days; no row for none."""

    # No index of its own: the unique one below begins with it.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # One row per day, tag and purpose. Its index serves the Balance's read, every tag of the owner
            # over a range of days, and the owner's cascade.
            models.UniqueConstraint(fields=["owner", "day", "tag", "purpose"], name="tag_day_once"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="tag_day_purpose_valid"),
            models.CheckConstraint(condition=Q(count__gt=0), name="tag_day_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.purpose} for tag {self.tag_id} on {self.day:%Y-%m-%d}"
