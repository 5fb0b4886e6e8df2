"""Deleting an account (Settings > Delete my account).

Deleting a user deletes everything they own through the owners' CASCADE keys, and PostgreSQL checks the
foreign keys of every row it deletes: about 5 s for 10,000 contacts, 30 s for 50,000 contacts with 500,000
interactions, which is gunicorn's whole worker timeout. A request killed there rolls its transaction back,
so the account would stay while its owner saw an error. The request therefore only asks, and the worker
deletes:

- `account_deletion_request` (the request): the account is marked (`deletion_requested_at`) and shut at once.
  `is_active` goes off, so no login, session, API token, app password (phone sync) or calendar feed works any
  more; every session ends and every token is revoked (`User.sessions_end_all`); no digest is planned. The
  caller queues the worker's task after its transaction commits.
- `account_delete` (the task): delete a marked user in one transaction, holding the user's row (FOR UPDATE
  SKIP LOCKED), so a second run at the same moment skips it and a later one finds nothing: it is done once.
  A worker that dies half-way rolls back and leaves the account marked, for the sweep.
- `account_deletions_due` (the beat sweep): accounts marked more than DELETION_RETRY ago and still here, whose
  task was lost or whose worker died, to queue again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import DigestFrequency, User

logger = logging.getLogger(__name__)

# How long a marked account may wait for its task before the sweep queues it again. A deletion still running
# then is not disturbed: the second task finds the user's row locked and skips it.
DELETION_RETRY = dt.timedelta(minutes=10)
# Accounts one sweep queues; the rest wait for the next one.
SWEEP_BATCH = 100


def account_deletion_request(user: User, now: dt.datetime | None = None) -> None:
    """Mark the account for deletion and shut it at once (see the module docstring). The caller logs the
    request's own session out and queues `accounts.tasks.delete_account` on commit."""
    user.deletion_requested_at = user.deletion_requested_at or now or timezone.now()
    user.is_active = False
    user.digest_frequency = DigestFrequency.OFF
    user.next_digest_at = None
    user.save(update_fields=["deletion_requested_at", "is_active", "digest_frequency", "next_digest_at"])
    user.sessions_end_all()


def account_delete(user_id: int) -> str:
    """Delete the user `user_id` and everything they own, if the account is marked for deletion and no other
    run is deleting it now. Returns "deleted" or "nothing to delete" (gone already, never asked for, or being
    deleted by another run)."""
    with transaction.atomic():
        user = (
            User.objects.select_for_update(skip_locked=True)
            .filter(pk=user_id, deletion_requested_at__isnull=False)
            .first()
        )
        if user is None:
            return "nothing to delete"
        user.delete()
    logger.info("Account %s deleted.", user_id)
    return "deleted"


def account_deletions_due(now: dt.datetime | None = None) -> list[int]:
    """The accounts marked for deletion more than DELETION_RETRY ago and still here, oldest first."""
    now = now or timezone.now()
    return list(
        User.objects.filter(deletion_requested_at__lte=now - DELETION_RETRY)
        .order_by("deletion_requested_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
