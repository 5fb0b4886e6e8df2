"""Follow-ups and digests: the planned next touches with each contact, and the emails that carry them.

Their tables were made by the interactions app and keep their names (`interactions_followup`,
`interactions_digest`): the models moved here with a state-only migration, and no row was copied.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.bulk import CopyQuerySet
from accounts.choices import Purpose
from contacts import policy
from contacts.models import Contact
from contacts.policy import Reason

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


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
    claimed with an expired lease) to claimed (followups.digests). `available_at` is when the tick may
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
        db_table = "interactions_digest"
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


class UpcomingAnnotation(TypedDict):
    """What `FollowUpQuerySet.upcoming` adds to each follow-up, for the type checker."""

    on: dt.date


class FollowUpQuerySet(CopyQuerySet["FollowUp"]):
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

    def upcoming(self) -> models.QuerySet[WithAnnotations[FollowUp, UpcomingAnnotation]]:
        """Open follow-ups of active contacts, soonest first. Takes no argument so that a template can ask
        `contact.followups.upcoming`."""
        # CopyQuerySet takes one type parameter, so the stubs cannot carry the annotation's TypedDict through.
        return (
            self.open()  # type: ignore[return-value]
            .active()
            .annotate(on=Coalesce("snoozed_until", "due_on"))
            .order_by("on", "purpose", "id")
        )


class FollowUp(models.Model):
    """A planned next touch with a contact for one purpose: a due date, a reason and a state.

    Clock follow-ups (reasons `after_meeting` and `cadence`) are planned by followups.engine from
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
        db_table = "interactions_followup"
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
            # The dashboards' counts of follow-ups due and overdue per purpose, from the index alone.
            models.Index(
                fields=["owner", "purpose", "due_on", "contact", "state"],
                condition=Q(state__in=[FollowUpState.SCHEDULED, FollowUpState.SENT]),
                name="followup_waiting",
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
