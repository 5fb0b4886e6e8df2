"""The engine that sends each digest exactly once (PRODUCT.md, "The digest"); what a digest says, and the
email made of it, come from followups.digest_content.

How it is sent exactly once: scheduled work lives in rows, never in broker ETAs.
- `digests_due(now)`, the tick: finds users whose local digest time has come (`User.next_digest_at`, worked
  out by contacts.policy across daylight-saving changes, the Network-only digest after a weekend weekly one
  included), creates their Digest row for that local date (a few statements per batch of users; the insert
  skips rows already on the unique (owner, local_date) key), and takes every digest waiting to be sent: new
  ones, failed ones whose backoff ended, and claims whose worker died (lease expired).
- `digest_send(digest_id)`: claims the digest with a conditional UPDATE and sends only when it won; as soon
  as the mail server has accepted the message (its answer to DATA), before the connection is closed, one
  short transaction records the Message-ID and moves the follow-ups scheduled -> sent. A failure is
  recorded with its error and retried with backoff by a later tick.
- `digests_send_due(now)`: both in one process, for `manage.py send_followups` and tests. The beat task in
  followups.tasks does the first and queues the second per digest.

The one window left is a crash after the mail server accepted a message and before that commit: the digest
is then sent again after the lease, with the same Message-ID (user id and local date), so the repeat is
recognisable. Nothing else runs between the server's answer to DATA and that commit; not even QUIT, whose
answer a slow server may keep for up to its timeout (accounts.emails.email_send's `on_accepted`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, close_old_connections, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from accounts.confirmations import address_confirmed, address_receives_digests, users_receiving_digests
from accounts.emails import email_send
from accounts.models import DigestFrequency, User
from accounts.ratelimit import RateLimit
from contacts import policy
from contacts.policy import DigestSchedule, Reason
from followups.digest_content import DigestContent, digest_content, digest_message, followups_sendable
from followups.engine import followups_replan, user_today
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState

logger = logging.getLogger(__name__)

# How long a worker may take to send one digest before another may take it over. Sending one takes seconds;
# a take-over while the first worker is merely slow would send it twice, so the lease is generous.
LEASE = dt.timedelta(minutes=10)
RETRY_FIRST = dt.timedelta(minutes=2)
RETRY_LONGEST = dt.timedelta(hours=1)
MAX_ATTEMPTS = 8
TICK_BATCH = 500
# The User columns a digest schedule is read from.
_SCHEDULE_FIELDS = ("time_zone", "digest_hour", "digest_frequency", "digest_weekday")
_RECORD_ATTEMPTS = 3


# The test digest ----------------------------------------------------------------------------------------


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
    # Today's digest as a daily one would carry it, whatever the user's weekday: a test shows the wording.
    today = user_today(user, now)
    content = digest_content(user, today, purposes=policy.sendable_purposes(today), test=True)
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


def _owners_with_followups_sendable(
    owner_ids: Collection[int], local_date: dt.date, purposes: Sequence[str]
) -> set[int]:
    """Which of `owner_ids` have a follow-up of `purposes` their digest on `local_date` may email, in one
    query.

    The question is asked per user in the select list, not as a WHERE EXISTS: PostgreSQL turns the latter
    into a join over every due follow-up of the batch (tens of thousands of rows), while this looks up each
    user's follow-ups through the owner index and stops at the first that may be sent."""
    rows = (
        User.objects.filter(pk__in=owner_ids)
        .annotate(sendable=Exists(followups_sendable(local_date, purposes).filter(owner=OuterRef("pk"))))
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
    # Keyed by the local date and the purposes its digest carries: a weekly user's Network-only Monday
    # shares the date of a daily user's Monday but not its purposes.
    due: dict[tuple[dt.date, tuple[str, ...]], list[int]] = defaultdict(list)
    moves: list[When] = []
    for schedule, group in by_schedule.items():
        due_on = policy.digest_due_on(schedule, now)
        if due_on is not None:
            due[due_on, policy.digest_purposes(schedule, due_on)] += [
                user.pk for user in group if user.pk in receiving
            ]
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
        for (on, purposes), owner_ids in due.items()
        for owner_id in _owners_with_followups_sendable(owner_ids, on, purposes)
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


def _digest_content_now(digest: Digest, now: dt.datetime) -> DigestContent | None:
    """The digest's content from the current rows, or None when it has nothing to say or no address it may
    go to any more (the address may have changed, or its grace period ended, since the tick made the row)."""
    user = digest.owner
    if (
        user.digest_frequency == DigestFrequency.OFF
        or not user.reminder_address
        or not address_receives_digests(user, user.reminder_address, now)
    ):
        return None
    return digest_content(user, digest.local_date)


def _birthdays_replan(content: DigestContent, now: dt.datetime) -> None:
    """An emailed birthday makes room for next year's: its contacts are re-planned."""
    contacts = [
        item.contact.pk
        for group in content.groups
        for item in group.items
        if item.followup.reason == Reason.BIRTHDAY
    ]
    if contacts:
        followups_replan(content.user, contacts, now=now)


def digest_send(digest_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one digest if this caller wins its claim; returns what happened: "sent", "skipped", "failed"
    or "not claimed".

    1. Claim: UPDATE ... SET status=claimed, lease, attempts+1 WHERE it is pending, failed and due for a
       retry, or claimed with an expired lease. Zero rows means another worker has it or it is done.
    2. Build the content now, from the current rows: something closed since the tick is left out, and a
       digest left with nothing to say, or with no address it may go to any more, is skipped (its
       follow-ups stay scheduled).
    3. Send, with no transaction or lock open.
    4. As soon as the mail server has accepted it, before the connection is closed, in one transaction: the
       follow-ups it listed go scheduled/snoozed -> sent, the digest records its Message-ID. On failure the
       error is recorded and the digest waits for its backoff.
    5. An emailed birthday makes room for next year's: its contacts are re-planned.
    """
    now = now or timezone.now()
    won = Digest.objects.filter(_claimable(now), pk=digest_id).update(
        status=DigestStatus.CLAIMED, claimed_until=now + LEASE, attempts=F("attempts") + 1
    )
    if not won:
        return "not claimed"
    digest = Digest.objects.select_related("owner").get(pk=digest_id)
    # Set once the mail server has taken the message: an error after that (the record's commit failed, even
    # after its retries) is not a failed send, and leaves the claim to its lease, as a crash would.
    accepted = False
    try:
        content = _digest_content_now(digest, now)
        if content is None:
            _digest_finish(digest, DigestStatus.SKIPPED)
            return "skipped"
        message = digest_message(content)
        followup_ids = content.followup_ids

        def record() -> None:
            nonlocal accepted
            accepted = True
            _digest_record_sent(digest, followup_ids, message.extra_headers["Message-ID"], now)

        email_send(message, on_accepted=record)
    except Exception as error:
        if accepted:
            raise
        logger.warning("Digest %s (attempt %s) failed: %r", digest.pk, digest.attempts, error)
        _digest_finish(
            digest,
            DigestStatus.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            available_at=now + _retry_delay(digest.attempts),
        )
        return "failed"
    _birthdays_replan(content, now)
    return "sent"


def digests_send_due(now: dt.datetime | None = None) -> str:
    """One tick, in this process: create what is due, then send each digest this tick took. Returns a
    summary ("3 sent, 1 failed")."""
    at = now or timezone.now()
    results = Counter(digest_send(digest_id, now=now) for digest_id in digests_due(at))
    return ", ".join(f"{count} {what}" for what, count in sorted(results.items())) or "nothing due"
