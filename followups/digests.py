"""The digest email and the engine that sends each one exactly once (PRODUCT.md, "The digest").

What goes in a digest (`digest_content`): the follow-ups that became due since the last digest, that is every
open follow-up not emailed yet (scheduled and due, or snoozed until then), of contacts that get reminders;
professional ones only on working days. Grouped Friendships / Network, most overdue first by the policy's
score, at most 10 per group with "and N more" (those stay scheduled and lead a later digest), and a line
counting older ones still open (emailed before, not done, snoozed or dismissed). Nothing due, no digest.

How it is sent exactly once: scheduled work lives in rows, never in broker ETAs.
- `digests_due(now)`, the tick: finds users whose local digest time has come (`User.next_digest_at`, worked
  out by contacts.policy across daylight-saving changes), creates their Digest row for that local date
  (a few statements per batch of users; the insert skips rows already on the unique (owner, local_date)
  key), and takes every digest waiting to be sent: new ones, failed ones whose backoff ended, and claims
  whose worker died (lease expired).
- `digest_send(digest_id)`: claims the digest with a conditional UPDATE and sends only when it won; then, in
  one short transaction, records the Message-ID and moves the follow-ups scheduled -> sent. A failure is
  recorded with its error and retried with backoff by a later tick.
- `digests_send_due(now)`: both in one process, for `manage.py send_followups` and tests. The beat task in
  followups.tasks does the first and queues the second per digest.

The one window left is a crash after the mail server accepted a message and before the commit: the digest is
then sent again after the lease, with the same Message-ID (user id and local date), so the repeat is
recognisable. Nothing else runs between the SMTP reply and that commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import OperationalError, close_old_connections, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Purpose
from accounts.confirmations import address_confirmed, address_receives_digests, users_receiving_digests
from accounts.display import date_style_override, day_near
from accounts.emails import email_make, email_send, email_site_domain
from accounts.models import DigestFrequency, User
from accounts.ratelimit import RateLimit
from contacts import policy
from contacts.models import Contact
from contacts.policy import DigestSchedule, Reason
from followups.engine import GROUP_TITLES, followups_group, followups_replan, user_today
from followups.links import LinkAction, followup_link_url, unsubscribe_url
from followups.models import Digest, DigestStatus, FollowUp, FollowUpQuerySet, FollowUpState
from interactions.models import Interaction, Participation

logger = logging.getLogger(__name__)

GROUP_CAP = 10
# How long a worker may take to send one digest before another may take it over. Sending one takes seconds;
# a take-over while the first worker is merely slow would send it twice, so the lease is generous.
LEASE = dt.timedelta(minutes=10)
RETRY_FIRST = dt.timedelta(minutes=2)
RETRY_LONGEST = dt.timedelta(hours=1)
MAX_ATTEMPTS = 8
TICK_BATCH = 500
# The User columns a digest schedule is read from.
_SCHEDULE_FIELDS = ("time_zone", "digest_hour", "digest_frequency", "digest_weekday")
# The FollowUp columns "most overdue first" and the grouping read.
_RANK_FIELDS = ("purpose", "reason", "state", "due_on", "snoozed_until", "clock_since", "cadence_days")
_RECORD_ATTEMPTS = 3
_SNIPPET = 160


# What a digest says --------------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    """The first non-empty line of a note, shortened: enough to recall, never the whole page."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= _SNIPPET else line[: _SNIPPET - 1].rstrip() + "…"


def followup_wording(
    followup: FollowUp, contact: Contact, last: Interaction | None, today: dt.date, zone: dt.tzinfo
) -> list[str]:
    """What the digest suggests for one follow-up, worded by the follow-up's purpose (never by the contact's
    intention, so a `both` contact gets one of each).

    Personal: catch up, make plans, recall personal details from the notes; never a career or business
    nudge. Professional: thank, share what was promised, propose a next step, from the notes and the last
    interaction of that purpose. Days are written in the active date style (a digest is made under its
    user's), without the year when it is this year's.
    """
    day = partial(day_near, today=today)
    lines: list[str] = []
    met_on = followup.clock_since
    if followup.reason == Reason.REQUESTED:
        lines.append(
            f"You asked to be reminded: {_snippet(followup.note)}"
            if followup.note
            else "You asked to be reminded."
        )
    elif followup.purpose == Purpose.PERSONAL:
        if followup.reason == Reason.BIRTHDAY:
            lines.append(
                "It is their birthday today: send your wishes."
                if followup.due_on == today
                else f"Their birthday was on {day(followup.due_on)}: it is not too late to send your wishes."
            )
        elif followup.reason == Reason.AFTER_MEETING and met_on is not None:
            lines.append(
                f"You met on {day(met_on)}. Say it was good to see them, and make a plan to meet again."
            )
        else:
            lines.append("Catch up: ask how they are doing, and make plans to get together.")
    elif followup.reason == Reason.AFTER_MEETING and met_on is not None:
        where = f" at {last.event.name}" if last is not None and last.event is not None else ""
        lines.append(f"Thank them for the conversation{where} on {day(met_on)}, and share what you promised.")
    else:
        lines.append("Propose a next step: share something useful to them, or suggest a call.")
    if last is not None and last.notes.strip():
        lines.append(f"Last time, {day(policy.local_date(last.occurred_at, zone))}: {_snippet(last.notes)}")
    if contact.notes.strip():
        lines.append(
            ("Remember: " if followup.purpose == Purpose.PERSONAL else "Notes: ") + _snippet(contact.notes)
        )
    return lines


def _last_interactions(followups: Iterable[FollowUp]) -> dict[tuple[int, str], Interaction]:
    """Each contact's latest interaction of each follow-up's purpose, in one query that returns only those:
    the newest participation per contact and purpose, not every one of the listed contacts."""
    wanted = {(f.contact_id, f.purpose) for f in followups}
    if not wanted:
        return {}
    rows = (
        Participation.objects.filter(
            contact_id__in={c for c, _ in wanted}, interaction__purpose__in={p for _, p in wanted}
        )
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("contact_id"), F("interaction__purpose")],
                order_by=[F("interaction__occurred_at").desc(), F("interaction_id").desc()],
            )
        )
        .filter(newest=1)
        .select_related("interaction__event")
    )
    found = {(row.contact_id, row.interaction.purpose): row.interaction for row in rows}
    return {key: interaction for key, interaction in found.items() if key in wanted}


@dataclass
class DigestItem:
    followup: FollowUp
    contact: Contact
    lines: list[str]
    done_url: str
    snooze_url: str
    stop_url: str
    contact_url: str


@dataclass
class DigestGroup:
    purpose: str
    items: list[DigestItem]
    more: int

    @property
    def title(self) -> str:
        return GROUP_TITLES[self.purpose]


@dataclass
class DigestContent:
    user: User
    local_date: dt.date
    groups: list[DigestGroup] = field(default_factory=list)
    older_open: int = 0
    test: bool = False

    @property
    def followup_ids(self) -> list[int]:
        """The follow-ups this digest emails: those it lists by name, not the ones in "and N more"."""
        return [item.followup.pk for group in self.groups for item in group.items]

    @property
    def names(self) -> list[str]:
        return [item.contact.display_name for group in self.groups for item in group.items]

    @property
    def total(self) -> int:
        return sum(len(group.items) + group.more for group in self.groups)


def _followups_sendable(local_date: dt.date) -> FollowUpQuerySet:
    """Every user's follow-ups a digest on `local_date` may email: not emailed yet (scheduled and due, or
    snoozed until then), of contacts that get reminders, professional ones only on working days. The one
    definition of these rules: one user's digest and the tick's "who has something to send" both read it."""
    purposes = [p for p in Purpose.values if policy.followup_sendable(p, local_date)]
    return (
        FollowUp.objects.filter(purpose__in=purposes)
        .active()
        .filter(
            Q(state=FollowUpState.SCHEDULED, due_on__lte=local_date)
            | Q(state=FollowUpState.SNOOZED, snoozed_until__lte=local_date)
        )
    )


def digest_followups(user: User, local_date: dt.date) -> FollowUpQuerySet:
    """The follow-ups `user`'s digest on `local_date` may email (see `_followups_sendable`)."""
    # A follow-up's contact is always its owner's (accounts.ownership); saying so again lets PostgreSQL read
    # this user's contacts through their owner index instead of every contact of every user.
    return _followups_sendable(local_date).filter(owner=user, contact__owner=user)


def digest_content(user: User, local_date: dt.date, *, test: bool = False) -> DigestContent | None:
    """What the digest of `local_date` says, or None when nothing is due (a test digest says so instead).

    1. The follow-ups to email, grouped by purpose, most overdue first, capped per group.
    2. The count of older follow-ups still open: emailed before and not yet done, snoozed or dismissed.
    3. For each one listed: the wording by its purpose, and its signed one-click links.
    """
    # Ranked on the few columns the order needs; only the listed ones (at most GROUP_CAP a group) are then
    # read whole, with their contacts: a user with thousands due does not load thousands of contacts.
    ranked = list(digest_followups(user, local_date).only(*_RANK_FIELDS))
    if not ranked and not test:
        return None
    groups = followups_group(ranked, local_date, cap=GROUP_CAP)
    full = FollowUp.objects.select_related("contact").in_bulk([f.pk for group in groups for f in group.items])
    for group in groups:
        group.items = [full[f.pk] for f in group.items if f.pk in full]
    listed = [f for group in groups for f in group.items]
    last = _last_interactions(listed)
    content = DigestContent(user, local_date, test=test)
    content.older_open = (
        FollowUp.objects.filter(owner=user, state=FollowUpState.SENT, due_on__lte=local_date).active().count()
    )
    # The wording writes days in the user's date style, as the email's templates do (digest_message).
    with date_style_override(user.date_style):
        for group in groups:
            items = [
                DigestItem(
                    followup=f,
                    contact=f.contact,
                    lines=followup_wording(
                        f, f.contact, last.get((f.contact_id, f.purpose)), local_date, user.zone
                    ),
                    done_url=followup_link_url(f, LinkAction.DONE),
                    snooze_url=followup_link_url(f, LinkAction.SNOOZE),
                    stop_url=followup_link_url(f, LinkAction.STOP),
                    contact_url=_absolute(f.contact.get_absolute_url()),
                )
                for f in group.items
            ]
            content.groups.append(DigestGroup(group.purpose, items, group.more))
    return content


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def digest_message_id(user_id: int, local_date: dt.date) -> str:
    """The stable Message-ID of one user's digest of one local date: a repeat after a crash is the same
    message to the receiving server and to the reader's mail client."""
    return f"<kith-digest-{user_id}-{local_date:%Y%m%d}@{email_site_domain()}>"


def _subject_names(names: list[str], total: int) -> str:
    shown = names[:2]
    rest = total - len(shown)
    text = ", ".join(shown)
    return f"{text} and {rest} more" if rest > 0 else text


def digest_message(content: DigestContent) -> EmailMultiAlternatives:
    """The multipart email of a digest, to the user's reminder address, with the one-click unsubscribe
    headers (RFC 8058) and, unless it is a test, the digest's stable Message-ID."""
    user = content.user
    context = {
        "content": content,
        "user": user,
        "subject_names": _subject_names(content.names, content.total),
        "due_url": _absolute(reverse("due")),
        "settings_url": _absolute(reverse("settings")),
        "unsubscribe_url": unsubscribe_url(user),
        "working_day": policy.is_working_day(content.local_date),
    }
    headers = {
        "Message-ID": make_msgid("kith-test-digest", domain=email_site_domain())
        if content.test
        else digest_message_id(user.pk, content.local_date),
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    with date_style_override(user.date_style):
        return email_make("digest", user.reminder_address, context, headers=headers)


def digest_test_limit() -> RateLimit:
    """Test digests, per user and per address (settings read at call time)."""
    return RateLimit("test-digest", settings.TEST_DIGEST_RATE_LIMIT, settings.TEST_DIGEST_RATE_WINDOW)


@dataclass(frozen=True)
class DigestTestResult:
    """What came of asking for a test digest: `refused` ("no address", "unconfirmed", "rate limited", with
    `wait` for the last), or sent, listing `count` follow-ups."""

    address: str
    refused: str = ""
    wait: str = ""
    count: int = 0


def digest_send_test(user: User, *, now: dt.datetime | None = None) -> DigestTestResult:
    """Settings' "send me a test digest": today's digest as it would look now, marked as a test, to the
    reminder address, whatever the schedule. It claims nothing and changes no follow-up.

    Anyone can sign up and type any address, so it goes only to an address its owner confirmed (a grace
    period is not enough), and only so often per user and per address (`digest_test_limit`)."""
    address = user.reminder_address
    if not address:
        return DigestTestResult(address, refused="no address")
    if not address_confirmed(user, address):
        return DigestTestResult(address, refused="unconfirmed")
    limit = digest_test_limit()
    if not limit.claim(f"user:{user.pk}", f"address:{address.strip().casefold()}"):
        return DigestTestResult(address, refused="rate limited", wait=limit.wait_text())
    content = digest_content(user, user_today(user, now), test=True)
    assert content is not None
    email_send(digest_message(content))
    return DigestTestResult(address, count=len(content.followup_ids))


# The engine -----------------------------------------------------------------------------------------------


def _next_digest_at(
    schedule: DigestSchedule, now: dt.datetime, handled_on: dt.date | None
) -> dt.datetime | None:
    """When the tick must look at a user again: today's digest moment if it is still ahead and today's
    digest was not handled, else the moment of the next digest day."""
    today = policy.local_date(now, schedule.zone)
    if handled_on is None and schedule.sends_on(today):
        moment = policy.digest_moment(schedule, today)
        if now.astimezone(dt.UTC) < moment:
            return moment
    next_on = policy.digest_next_on(schedule, max(today, handled_on or today))
    return policy.digest_moment(schedule, next_on) if next_on else None


def _owners_with_followups_sendable(owner_ids: Collection[int], local_date: dt.date) -> set[int]:
    """Which of `owner_ids` have a follow-up their digest on `local_date` may email, in one query.

    The question is asked per user in the select list, not as a WHERE EXISTS: PostgreSQL turns the latter
    into a join over every due follow-up of the batch (tens of thousands of rows), while this looks up each
    user's follow-ups through the owner index and stops at the first that may be sent."""
    rows = (
        User.objects.filter(pk__in=owner_ids)
        .annotate(sendable=Exists(_followups_sendable(local_date).filter(owner=OuterRef("pk"))))
        .values_list("pk", "sendable")
    )
    return {pk for pk, sendable in rows if sendable}


def _digests_create_batch(users: list[User], now: dt.datetime) -> None:
    """Create the due Digest rows of one batch of users and move each of them on, in a few statements
    whatever the batch's size.

    1. The local date due now and the next moment to look, from the policy, once per distinct schedule
       (time zone, hour, frequency, weekday): most users share a few.
    2. Per distinct due date (a few at any moment), one query for the owners with something to send; a user
       with nothing due, or with no address the digest may go to (none, or one not confirmed and past its
       grace period: accounts.confirmations), gets no row (no digest). Their follow-ups stay scheduled, on
       the Due page, and go in the first digest after the address is confirmed.
    3. One insert that skips rows already there on (owner, local_date): a second or concurrent tick, or a
       digest already sent today, leaves the existing row as it is.
    4. One UPDATE of `next_digest_at`, guarded per schedule: a user whose time zone, hour, frequency or
       weekday is no longer the one read keeps the value a settings change gave them.
    """
    by_schedule: dict[DigestSchedule, list[User]] = defaultdict(list)
    receiving = users_receiving_digests(users, now)
    for user in users:
        by_schedule[DigestSchedule.from_user(user)].append(user)
    due: dict[dt.date, list[int]] = defaultdict(list)
    moves: list[When] = []
    for schedule, group in by_schedule.items():
        due_on = policy.digest_due_on(schedule, now)
        if due_on is not None:
            due[due_on] += [user.pk for user in group if user.pk in receiving]
        moves.append(
            When(
                Q(
                    pk__in=[user.pk for user in group],
                    time_zone=schedule.time_zone,
                    digest_hour=schedule.hour,
                    digest_frequency=schedule.frequency,
                    digest_weekday=schedule.weekday,
                ),
                then=Value(_next_digest_at(schedule, now, due_on), output_field=DateTimeField()),
            )
        )
    rows = [
        Digest(owner_id=owner_id, local_date=on, available_at=now)
        for on, owner_ids in due.items()
        for owner_id in _owners_with_followups_sendable(owner_ids, on)
    ]
    if rows:
        Digest.objects.bulk_create(rows, ignore_conflicts=True)
    User.objects.filter(pk__in=[user.pk for user in users]).update(
        next_digest_at=Case(*moves, default=F("next_digest_at"))
    )


def _digests_create_due(now: dt.datetime) -> int:
    """Create the Digest rows of users whose digest time has come and who have follow-ups due; move every
    user looked at on to their next digest moment. Returns how many users it looked at.

    1. Users with digests on whose `next_digest_at` has come or is unset, through the partial index, a batch
       at a time, reading only the columns the schedule and the address need.
    2. Each batch is locked for its own short transaction (FOR NO KEY UPDATE, which still lets the user add
       contacts). A concurrent tick skips the locked users instead of waiting for them, so two ticks share
       the work, never update the same users at once, and cannot deadlock; a user whose row another
       transaction holds (a settings save) is left to the next tick.
    3. The batch's digests and moves, in a few statements (`_digests_create_batch`).
    """
    looked_at = 0
    after_pk = 0
    while True:
        with transaction.atomic():
            users = list(
                User.objects.select_for_update(skip_locked=True, no_key=True)
                .exclude(digest_frequency=DigestFrequency.OFF)
                .filter(Q(next_digest_at__lte=now) | Q(next_digest_at__isnull=True), pk__gt=after_pk)
                .only("email", "reminder_email", *_SCHEDULE_FIELDS)
                .order_by("pk")[:TICK_BATCH]
            )
            if users:
                _digests_create_batch(users, now)
        looked_at += len(users)
        if len(users) < TICK_BATCH:
            return looked_at
        after_pk = users[-1].pk


def _waiting(now: dt.datetime) -> Q:
    """Digests to (re)queue: new or queued-and-lost ones, failed ones whose backoff ended, and claims whose
    worker died (lease expired)."""
    return (
        Q(status=DigestStatus.PENDING, available_at__lte=now)
        | Q(status=DigestStatus.FAILED, available_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        | Q(status=DigestStatus.CLAIMED, claimed_until__lte=now)
    )


def _digests_take_waiting(now: dt.datetime) -> list[int]:
    """Take the digests waiting to be sent, and hide them from other ticks for one lease, so a digest queued
    once is not queued again by every tick while it waits its turn. Rows another tick is taking are
    skipped (skip_locked), so concurrent ticks share the work. Taken TICK_BATCH at a time, each batch in its
    own short transaction, until none is left: a morning when every user's digest is due sends them all
    now, not a batch per tick."""
    taken: list[int] = []
    while True:
        with transaction.atomic():
            ids = list(
                Digest.objects.select_for_update(skip_locked=True)
                .filter(_waiting(now))
                .order_by("available_at", "pk")
                .values_list("pk", flat=True)[:TICK_BATCH]
            )
            Digest.objects.filter(pk__in=ids).update(status=DigestStatus.PENDING, available_at=now + LEASE)
        taken += ids
        if len(ids) < TICK_BATCH:
            return taken


def digests_due(now: dt.datetime) -> list[int]:
    """The tick's first half: create the digests that became due and return the ids of every digest to
    send now (see the module docstring)."""
    _digests_create_due(now)
    return _digests_take_waiting(now)


def _claimable(now: dt.datetime) -> Q:
    return (
        Q(status=DigestStatus.PENDING)
        | Q(status=DigestStatus.FAILED, available_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        | Q(status=DigestStatus.CLAIMED, claimed_until__lte=now)
    )


def _retry_delay(attempts: int) -> dt.timedelta:
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def _digest_finish(digest: Digest, status: str, **fields: object) -> None:
    Digest.objects.filter(pk=digest.pk).update(status=status, claimed_until=None, **fields)


def _digest_record_sent(digest: Digest, followup_ids: list[int], message_id: str, now: dt.datetime) -> None:
    """The commit right after the mail server's reply: the listed follow-ups go scheduled/snoozed -> sent,
    the digest records its Message-ID. A lost deadlock or a dropped connection is tried again at once, so
    the window in which a crash would send the digest twice stays as short as it can be."""
    for attempt in range(_RECORD_ATTEMPTS):
        try:
            with transaction.atomic():
                FollowUp.objects.filter(
                    pk__in=followup_ids, state__in=[FollowUpState.SCHEDULED, FollowUpState.SNOOZED]
                ).update(state=FollowUpState.SENT, sent_at=now, digest=digest)
                _digest_finish(
                    digest,
                    DigestStatus.SENT,
                    sent_at=now,
                    message_id=message_id,
                    last_error="",
                    followup_count=len(followup_ids),
                )
            return
        except OperationalError:
            if attempt == _RECORD_ATTEMPTS - 1:
                raise
            close_old_connections()
            time.sleep(0.2 * (attempt + 1))


def digest_send(digest_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one digest if this caller wins its claim; returns what happened: "sent", "skipped", "failed"
    or "not claimed".

    1. Claim: UPDATE ... SET status=claimed, lease, attempts+1 WHERE it is pending, failed and due for a
       retry, or claimed with an expired lease. Zero rows means another worker has it or it is done.
    2. Build the content now, from the current rows: something closed since the tick is left out, and a
       digest left with nothing to say, or with no address it may go to any more, is skipped (its
       follow-ups stay scheduled).
    3. Send, with no transaction or lock open.
    4. In one transaction: the follow-ups it listed go scheduled/snoozed -> sent, the digest records its
       Message-ID. On failure the error is recorded and the digest waits for its backoff.
    5. An emailed birthday makes room for next year's: its contacts are re-planned.
    """
    now = now or timezone.now()
    won = Digest.objects.filter(_claimable(now), pk=digest_id).update(
        status=DigestStatus.CLAIMED, claimed_until=now + LEASE, attempts=F("attempts") + 1
    )
    if not won:
        return "not claimed"
    digest = Digest.objects.select_related("owner").get(pk=digest_id)
    user = digest.owner
    try:
        content = None
        # The address may have changed, or its grace period ended, since the tick made the row.
        if (
            user.digest_frequency != DigestFrequency.OFF
            and user.reminder_address
            and address_receives_digests(user, user.reminder_address, now)
        ):
            content = digest_content(user, digest.local_date)
        if content is None:
            _digest_finish(digest, DigestStatus.SKIPPED)
            return "skipped"
        message = digest_message(content)
        email_send(message)
    except Exception as error:
        logger.warning("Digest %s (attempt %s) failed: %r", digest.pk, digest.attempts, error)
        _digest_finish(
            digest,
            DigestStatus.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            available_at=now + _retry_delay(digest.attempts),
        )
        return "failed"
    _digest_record_sent(digest, content.followup_ids, message.extra_headers["Message-ID"], now)
    birthday_contacts = [
        item.contact.pk
        for group in content.groups
        for item in group.items
        if item.followup.reason == Reason.BIRTHDAY
    ]
    if birthday_contacts:
        followups_replan(user, birthday_contacts, now=now)
    return "sent"


def digests_send_due(now: dt.datetime | None = None) -> str:
    """One tick, in this process: create what is due, then send each digest this tick took. Returns a
    summary ("3 sent, 1 failed")."""
    at = now or timezone.now()
    results = Counter(digest_send(digest_id, now=now) for digest_id in digests_due(at))
    return ", ".join(f"{count} {what}" for what, count in sorted(results.items())) or "nothing due"
