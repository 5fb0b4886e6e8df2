"""Confirmed email addresses (PRODUCT.md, "The digest": it goes to a confirmed address).

An address of a user (the account's email, the reminder address) receives digests and test digests only once
its owner has opened the link sent to it and pressed the button there; Kith is otherwise a way to mail anyone.
Each address has one AddressConfirmation row, keyed by the case-folded address, so an address the user
changes is a new row, unconfirmed: nothing has to remember to reset anything.

- The link is signed (django.core.signing, its own salt) for one user and one row, and expires after 7 days.
  A row is deleted when its address leaves the account, so a link for an address given up no longer works,
  even if the address comes back later.
- Its page shows a button on GET and confirms only on POST: mail scanners open links.
- The confirmation email is scheduled work in the row (`send_at`): a request (saving a new address, "send the
  link again") marks it due and queues a task for it; the beat tick (`confirmations_send_due`) sends whatever
  a lost task left, and the ones migration 0006 asked for. Both claim the row with a conditional UPDATE
  before sending, so each request is sent once.
- Requests from people are rate limited per user and per address (`confirmation_limit`), so no one can use
  Kith to flood an address with confirmation emails either.
- Addresses stored before confirmation existed keep receiving digests for 14 days (`grace_until`, set by
  migration 0006), each with a confirmation email queued, so no reminder stops without a word.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.display import date_style_override
from accounts.emails import email_make, email_send
from accounts.models import AddressConfirmation, User
from accounts.ratelimit import RateLimit

logger = logging.getLogger(__name__)

LINK_MAX_AGE = dt.timedelta(days=7)
_SALT = "kith.address-confirmation"
# How long a sender may take before another may send the same email again, and the wait after a failure.
SEND_LEASE = dt.timedelta(minutes=10)
SEND_RETRY = dt.timedelta(minutes=30)
SEND_MAX_ATTEMPTS = 5
# Confirmation emails one beat tick sends; the rest wait for the next tick.
TICK_BATCH = 100


class AddressState(StrEnum):
    CONFIRMED = "confirmed"
    GRACE = "grace"  # not confirmed, still receiving digests for a while (addresses stored before)
    WAITING = "waiting"  # not confirmed: no digests


@dataclass(frozen=True)
class AddressStatus:
    """One address as settings shows it."""

    address: str
    roles: list[str]
    state: AddressState
    grace_until: dt.datetime | None
    sent_at: dt.datetime | None


def confirmation_limit() -> RateLimit:
    """Confirmation emails people ask for, per user and per address (settings read at call time)."""
    return RateLimit(
        "confirm", settings.ADDRESS_CONFIRMATION_RATE_LIMIT, settings.ADDRESS_CONFIRMATION_RATE_WINDOW
    )


def _key(address: str) -> str:
    return address.strip().casefold()


def _roles(user: User, address: str) -> list[str]:
    roles = []
    if _key(user.email) == address:
        roles.append("Account email")
    if user.reminder_email and _key(user.reminder_email) == address:
        roles.append("Reminder email")
    return roles


def addresses_sync(user: User) -> list[AddressConfirmation]:
    """Give each of the user's addresses its row (new ones unconfirmed) and delete the rows of addresses the
    user no longer has. Returns the rows of the current addresses, in the user's order."""
    current = user.addresses()
    AddressConfirmation.objects.filter(owner=user).exclude(address__in=current).delete()
    AddressConfirmation.objects.bulk_create(
        [AddressConfirmation(owner=user, address=address) for address in current], ignore_conflicts=True
    )
    rows = {row.address: row for row in AddressConfirmation.objects.filter(owner=user)}
    return [rows[address] for address in current]


def addresses_status(user: User, now: dt.datetime | None = None) -> list[AddressStatus]:
    """Each address of the user with its state, for settings."""
    now = now or timezone.now()
    rows = {row.address: row for row in AddressConfirmation.objects.filter(owner=user)}
    statuses = []
    for address in user.addresses():
        row = rows.get(address)
        if row is not None and row.confirmed_at is not None:
            state = AddressState.CONFIRMED
        elif row is not None and row.receives_digests(now):
            state = AddressState.GRACE
        else:
            state = AddressState.WAITING
        statuses.append(
            AddressStatus(
                address=address,
                roles=_roles(user, address),
                state=state,
                grace_until=row.grace_until if state == AddressState.GRACE and row else None,
                sent_at=row.sent_at if row else None,
            )
        )
    return statuses


def address_confirmed(user: User, address: str) -> bool:
    """Whether the user confirmed `address` (a grace period does not count: this is for test digests and
    security emails, which only go where the owner proved they read)."""
    return AddressConfirmation.objects.filter(
        owner=user, address=_key(address), confirmed_at__isnull=False
    ).exists()


def address_receives_digests(user: User, address: str, now: dt.datetime) -> bool:
    """Whether the digest may go to `address` now: confirmed, or in its grace period."""
    row = AddressConfirmation.objects.filter(owner=user, address=_key(address)).first()
    return row is not None and row.receives_digests(now)


def users_receiving_digests(users: Iterable[User], now: dt.datetime) -> set[int]:
    """Which of `users` have a reminder address the digest may go to now, in one query."""
    wanted = {user.pk: _key(user.reminder_address) for user in users if user.reminder_address}
    rows = (
        AddressConfirmation.objects.filter(owner_id__in=wanted)
        .filter(Q(confirmed_at__isnull=False) | Q(grace_until__gt=now))
        .values_list("owner_id", "address")
    )
    return {owner_id for owner_id, address in rows if wanted.get(owner_id) == address}


def address_alerts(user: User) -> str | None:
    """Where security emails (a login from a new device) go: the account's email if confirmed, else the
    reminder address if confirmed; None when neither is."""
    confirmed = set(
        AddressConfirmation.objects.filter(owner=user, confirmed_at__isnull=False).values_list(
            "address", flat=True
        )
    )
    for address in (user.email, user.reminder_email):
        if address and _key(address) in confirmed:
            return address
    return None


# Asking for a confirmation email ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    """What came of asking for a confirmation email: `row` to queue when it may be sent, or `wait`, the words
    for how long to wait, when the rate limit refused it."""

    address: str
    row: AddressConfirmation | None = None
    wait: str = ""


def confirmation_request(user: User, address: str, now: dt.datetime | None = None) -> Requested:
    """Someone asked for a confirmation email to `address`, one of the user's addresses (ValueError if not).

    1. Count it against the rate limit, per user and per address; a refusal says how long to wait.
    2. Mark the row's email due now, with a fresh count of attempts. The caller queues the send after its
       transaction commits (the tick sends it otherwise)."""
    now = now or timezone.now()
    key = _key(address)
    if key not in user.addresses():
        raise ValueError("not one of the user's addresses")
    row = next(row for row in addresses_sync(user) if row.address == key)
    limit = confirmation_limit()
    if not limit.claim(f"user:{user.pk}", f"address:{key}", now=now.timestamp()):
        return Requested(key, wait=limit.wait_text(now.timestamp()))
    AddressConfirmation.objects.filter(pk=row.pk).update(send_at=now, send_attempts=0)
    return Requested(key, row=row)


def addresses_changed(user: User, now: dt.datetime | None = None) -> list[Requested]:
    """After a user's addresses were saved (sign-up, settings): sync the rows and ask for a confirmation
    email for each address neither confirmed nor asked for before."""
    now = now or timezone.now()
    fresh = [
        row
        for row in addresses_sync(user)
        if row.confirmed_at is None and row.sent_at is None and row.send_at is None
    ]
    return [confirmation_request(user, row.address, now) for row in fresh]


# The link ---------------------------------------------------------------------------------------------------


def confirmation_token(row: AddressConfirmation) -> str:
    return signing.dumps({"u": row.owner_id, "c": row.pk}, salt=_SALT)


def confirmation_url(row: AddressConfirmation) -> str:
    """The absolute address of the link, on SITE_URL (the email is made outside any request)."""
    return settings.SITE_URL + reverse("address_confirm", kwargs={"token": confirmation_token(row)})


def confirmation_read(token: str) -> AddressConfirmation | None:
    """The row a link is for, or None when that address has left its account since. Raises
    signing.SignatureExpired after 7 days, and signing.BadSignature when the token was changed or is not
    a token at all."""
    data = signing.loads(token, salt=_SALT, max_age=LINK_MAX_AGE)
    try:
        user_id, row_id = int(data["u"]), int(data["c"])
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed link") from error
    row = AddressConfirmation.objects.select_related("owner").filter(pk=row_id, owner_id=user_id).first()
    if row is None or row.address not in row.owner.addresses():
        return None
    return row


def address_confirm(row: AddressConfirmation, now: dt.datetime | None = None) -> None:
    """The link's button: the address is confirmed (again, harmlessly, if it was). No email is due any
    more."""
    now = now or timezone.now()
    AddressConfirmation.objects.filter(pk=row.pk).update(
        confirmed_at=Coalesce("confirmed_at", Value(now)), send_at=None
    )
    row.refresh_from_db()


# Sending -------------------------------------------------------------------------------------------------


def confirmation_send(row_id: int, now: dt.datetime | None = None) -> str:
    """Send the confirmation email of one row if it is due and this caller wins its claim; returns "sent",
    "failed", "gone" (the address left the account) or "not claimed".

    1. Claim: UPDATE ... SET send_at = now + lease, attempts + 1 WHERE it is due and has attempts left. Zero
       rows means another sender has it, it was sent, or it was never asked for.
    2. Send, with no transaction open. A failure waits SEND_RETRY for the next tick (SEND_MAX_ATTEMPTS in
       all; "send the link again" starts over).
    3. Clear `send_at` and record `sent_at`. A crash between the mail server's reply and this is the one
       case the email goes twice, after the lease.
    """
    now = now or timezone.now()
    won = AddressConfirmation.objects.filter(
        pk=row_id, send_at__lte=now, send_attempts__lt=SEND_MAX_ATTEMPTS
    ).update(send_at=now + SEND_LEASE, send_attempts=F("send_attempts") + 1)
    if not won:
        return "not claimed"
    row = AddressConfirmation.objects.select_related("owner").get(pk=row_id)
    user = row.owner
    if row.address not in user.addresses():
        row.delete()
        return "gone"
    context = {
        "user": user,
        "address": row.address,
        "url": confirmation_url(row),
        "days": LINK_MAX_AGE.days,
        "grace_until": row.grace_until if row.confirmed_at is None else None,
    }
    try:
        with date_style_override(user.date_style), timezone.override(user.zone):
            email_send(email_make("address-confirmation", row.address, context))
    except Exception as error:
        logger.warning("Confirmation email %s failed: %r", row_id, error)
        AddressConfirmation.objects.filter(pk=row_id).update(send_at=now + SEND_RETRY)
        return "failed"
    AddressConfirmation.objects.filter(pk=row_id).update(send_at=None, sent_at=now)
    return "sent"


def confirmations_send_due(now: dt.datetime | None = None) -> str:
    """The beat tick: send the confirmation emails that are due (those a lost task left, those migration
    0006 asked for), TICK_BATCH at a time. Each is claimed before it is sent, so a task or a second tick
    sending the same one at once sends nothing more."""
    now = now or timezone.now()
    ids = list(
        AddressConfirmation.objects.filter(send_at__lte=now, send_attempts__lt=SEND_MAX_ATTEMPTS)
        .order_by("send_at", "pk")
        .values_list("pk", flat=True)[:TICK_BATCH]
    )
    results: dict[str, int] = {}
    for row_id in ids:
        result = confirmation_send(row_id, now)
        results[result] = results.get(result, 0) + 1
    return ", ".join(f"{count} {what}" for what, count in sorted(results.items())) or "nothing due"
