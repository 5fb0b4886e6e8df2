from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.choices import Purpose, Setting
from contacts import policy
from contacts.models import Contact
from contacts.policy import Reason


class Event(models.Model):
    """A gathering where people are met. A three-day conference is one event."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    setting = models.CharField(max_length=8, choices=Setting.choices)
    notes = models.TextField(blank=True)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="interaction_kind_valid"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="interaction_purpose_valid"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="interaction_setting_valid"),
            models.UniqueConstraint(fields=["id", "owner"], name="interaction_id_owner"),
        ]
        indexes = [
            # Dashboards count an owner's interactions by month and purpose.
            models.Index(fields=["owner", "occurred_at", "purpose"], name="interaction_owner_when"),
            # Dashboards' events: an owner's meetings at events, by purpose (interactions.dashboards).
            models.Index(
                fields=["owner", "purpose"],
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
    composite foreign keys, that contact and interaction belong to the same user.

    The interaction's time and purpose are repeated too, so that "who was seen when, for what" (the balance
    per tag, a contact's timeline summary) reads one index instead of joining every interaction. Make rows
    with `Participation.of`; Interaction.save() carries a change of either to its participations, and the
    test suite checks after every test that no row disagrees with its interaction."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participations")
    occurred_at = models.DateTimeField(editable=False)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interaction", "contact"], name="participation_once"),
        ]
        indexes = [
            # A contact's timeline: their interactions, newest first.
            models.Index(fields=["contact", "interaction"], name="participation_contact"),
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
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def of(cls, interaction: Interaction, contact: Contact) -> Participation:
        """The row saying `contact` took part in `interaction`, with the interaction's time and purpose."""
        return cls(
            owner_id=interaction.owner_id,
            interaction=interaction,
            contact=contact,
            occurred_at=interaction.occurred_at,
            purpose=interaction.purpose,
        )


# Follow-ups and digests ----------------------------------------------------------------------------------


class DigestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Nothing to send"


class Digest(models.Model):
    """One user's digest email for one local date: the row that makes "sent exactly once" hold.

    The unique (owner, local_date) key means two ticks, a doubled beat or a re-delivered task all find the
    same row; a worker sends only after winning the claim, a conditional UPDATE from pending (or failed, or
    claimed with an expired lease) to claimed (interactions.digests). `available_at` is when the tick may
    queue it (again): a queued digest is not queued twice within a lease, a failed one waits for its backoff.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    local_date = models.DateField(help_text="The date in the user's time zone this digest is for.")
    status = models.CharField(max_length=8, choices=DigestStatus.choices, default=DigestStatus.PENDING)
    available_at = models.DateTimeField(help_text="When the tick may queue it (again).")
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The lease of the worker sending it; after it, another may take over.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    followup_count = models.PositiveSmallIntegerField(default=0, help_text="Follow-ups it emailed.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-local_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "local_date"], name="digest_once_per_local_date"),
            models.CheckConstraint(condition=Q(status__in=DigestStatus.values), name="digest_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=DigestStatus.CLAIMED) | Q(claimed_until__isnull=False),
                name="digest_claim_has_lease",
            ),
            # Lets PostgreSQL check that a follow-up and the digest that emailed it have one owner.
            models.UniqueConstraint(fields=["id", "owner"], name="digest_id_owner"),
        ]
        indexes = [
            # The tick's "digests waiting to be queued": pending or failed, available_at <= now.
            models.Index(
                fields=["available_at"],
                condition=Q(status__in=[DigestStatus.PENDING, DigestStatus.FAILED]),
                name="digest_waiting",
            ),
            # The tick's "claims whose worker died": claimed, claimed_until <= now.
            models.Index(
                fields=["claimed_until"], condition=Q(status=DigestStatus.CLAIMED), name="digest_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.local_date} for user {self.owner_id}"


class FollowUpState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"


# Open follow-ups still wait for the user; done and dismissed ones are history and never re-open.
OPEN_STATES = (FollowUpState.SCHEDULED, FollowUpState.SENT, FollowUpState.SNOOZED)
CLOSED_STATES = (FollowUpState.DONE, FollowUpState.DISMISSED)
# The reasons that come from a purpose clock (contacts.policy.clock_due).
CLOCK_REASONS = (Reason.AFTER_MEETING, Reason.CADENCE)
# What "snooze" offers, in days; a week is the default (PRODUCT.md: "snooze a week, or a chosen time").
SNOOZE_CHOICES = [(1, "A day"), (3, "Three days"), (7, "A week"), (14, "Two weeks"), (30, "A month")]
SNOOZE_DEFAULT_DAYS = 7
# The options of every snooze menu, the default selected: the same for every follow-up, so written once
# rather than through a template loop per follow-up (a dashboard or the Due page lists dozens).
SNOOZE_OPTIONS = format_html_join(
    "",
    '<option value="{}"{}>{}</option>',
    ((days, " selected" if days == SNOOZE_DEFAULT_DAYS else "", label) for days, label in SNOOZE_CHOICES),
)


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def open(self) -> FollowUpQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def active(self) -> FollowUpQuerySet:
        """Follow-ups of contacts that get reminders: neither archived nor paused. Requested follow-ups of
        a paused contact are kept, not deleted, and come back when reminders are resumed."""
        return self.filter(contact__archived_at__isnull=True, contact__reminders_paused=False)

    def due_by(self, day: dt.date) -> FollowUpQuerySet:
        """Open follow-ups due on or before `day`; a snoozed one counts from the end of its snooze."""
        return self.filter(
            Q(state__in=[FollowUpState.SCHEDULED, FollowUpState.SENT], due_on__lte=day)
            | Q(state=FollowUpState.SNOOZED, snoozed_until__lte=day)
        )

    def upcoming(self) -> FollowUpQuerySet:
        """Open follow-ups of active contacts, soonest first. Takes no argument so that a template can ask
        `contact.followups.upcoming`."""
        return (
            self.open()
            .active()
            .annotate(on=Coalesce("snoozed_until", "due_on"))
            .order_by("on", "purpose", "id")
        )


class FollowUp(models.Model):
    """A planned next touch with a contact for one purpose: a due date, a reason and a state.

    Clock follow-ups (reasons `after_meeting` and `cadence`) are planned by interactions.followups from
    contacts.policy and kept in step with the data; `clock_since` and `cadence_days` record the clock behind
    one (its start and length), so its overdue score needs no other row. The database allows at most one
    open clock follow-up per contact and purpose (`followup_one_open_clock`), so two planners racing cannot
    leave a contact with two reminders for the same clock.

    `requested` and `birthday` follow-ups stay outside that constraint on purpose. A requested one is a
    dated note the user asked for ("remind me on 3 December to send the deck"): several can be open for one
    contact and purpose, and none may push the clock's keep-in-touch reminder aside. A birthday is in the
    personal group but is not the personal clock: a friend can be overdue and have a birthday in the same
    week, and both deserve a line. Birthdays have their own key instead, one per contact and date
    (`followup_one_birthday_a_day`), which also keeps a done or dismissed birthday from being planned again.

    States: scheduled (planned, not emailed yet) -> sent (in a digest) -> done or dismissed; snoozed waits
    until `snoozed_until` and is then emailed again. Done and dismissed are history: nothing re-opens them.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followups")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="followups")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    reason = models.CharField(max_length=13, choices=Reason.choices)
    due_on = models.DateField()
    state = models.CharField(max_length=9, choices=FollowUpState.choices, default=FollowUpState.SCHEDULED)
    note = models.TextField(blank=True, help_text="What the user asked to be reminded of (requested).")
    clock_since = models.DateField(null=True, blank=True, help_text="Start of the clock behind it.")
    cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="followups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()
    # For the templates' snooze menus, which are included where no view put the choices in the context.
    snooze_choices = SNOOZE_CHOICES
    snooze_default = SNOOZE_DEFAULT_DAYS
    snooze_options = SNOOZE_OPTIONS

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=FollowUpState.values), name="followup_state_valid"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="followup_reason_valid"),
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="followup_purpose_valid"),
            models.CheckConstraint(
                condition=~Q(state=FollowUpState.SNOOZED) | Q(snoozed_until__isnull=False),
                name="followup_snooze_has_end",
            ),
            models.CheckConstraint(
                condition=~Q(reason__in=CLOCK_REASONS)
                | Q(clock_since__isnull=False, cadence_days__isnull=False, cadence_days__gte=1),
                name="followup_clock_is_known",
            ),
            models.CheckConstraint(
                condition=~Q(reason=Reason.BIRTHDAY) | Q(purpose=Purpose.PERSONAL),
                name="followup_birthday_is_personal",
            ),
            models.UniqueConstraint(
                fields=["contact", "purpose"],
                condition=Q(state__in=OPEN_STATES, reason__in=CLOCK_REASONS),
                name="followup_one_open_clock",
            ),
            models.UniqueConstraint(
                fields=["contact", "due_on"],
                condition=Q(reason=Reason.BIRTHDAY),
                name="followup_one_birthday_a_day",
            ),
        ]
        indexes = [
            # The digest tick's "follow-ups to email": scheduled, due_on <= the digest's local date.
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(state=FollowUpState.SCHEDULED),
                name="followup_to_email",
            ),
            # The digest tick's "snoozes that ended": snoozed, snoozed_until <= the digest's local date.
            models.Index(
                fields=["owner", "snoozed_until"],
                condition=Q(state=FollowUpState.SNOOZED),
                name="followup_snooze_ends",
            ),
            # The Due page, the calendar feed and the digest's "older ones still open" count.
            models.Index(
                fields=["owner", "due_on"], condition=Q(state__in=OPEN_STATES), name="followup_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} follow-up with {self.contact_id} on {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def effective_on(self) -> dt.date:
        """The date it is due for the user: the end of its snooze when snoozed, else its due date."""
        if self.state == FollowUpState.SNOOZED and self.snoozed_until is not None:
            return self.snoozed_until
        return self.due_on

    @property
    def is_overdue(self) -> bool:
        """Due before today, in the time zone active for this request (the user's: accounts.middleware)."""
        return self.effective_on < timezone.localdate()

    def overdue_score(self, today: dt.date) -> float:
        """The policy's overdue score of the clock behind it; 0 for requested and birthday follow-ups."""
        return policy.Due(
            self.purpose, self.due_on, self.reason, self.clock_since, self.cadence_days
        ).overdue_score(today)
