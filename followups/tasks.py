"""Celery tasks: thin wrappers that take ids, load, call the domain function in followups.digests and
return a short summary. Schedules and retries of a failed send live in Digest rows, never in broker ETAs;
the decorators retry only a database that was briefly unreachable. The tasks keep the names they had in the
interactions app (`name=`): beat schedules and messages already queued call them by those names."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from followups.digests import digest_send, digests_due
from followups.models import Digest

logger = logging.getLogger(__name__)

# A database hiccup is retried a few times within minutes; anything longer is left to the next beat tick,
# which finds every digest still waiting in its row.
_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="interactions.tasks.send_due_digests", **_RETRY)
def send_due_digests(now: str | None = None) -> str:
    """The beat tick: create the digests that became due and queue one `send_digest` per digest waiting.
    `now` (an ISO datetime) runs it as if at another moment, for operators and tests."""
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    ids = digests_due(moment)
    # digests_due has committed; queue after any transaction around this call commits too.
    for digest_id in ids:
        transaction.on_commit(partial(send_digest.delay, digest_id))
    return f"queued {len(ids)} digest(s)"


@shared_task(name="interactions.tasks.send_digest", **_RETRY)
def send_digest(digest_id: int) -> str:
    """Send one digest if this worker wins its claim."""
    if not Digest.objects.filter(pk=digest_id).exists():
        logger.info("Digest %s is gone (its user was deleted); nothing to send.", digest_id)
        return f"digest {digest_id}: gone"
    try:
        return f"digest {digest_id}: {digest_send(digest_id)}"
    except Digest.DoesNotExist:
        logger.info("Digest %s was deleted while being sent.", digest_id)
        return f"digest {digest_id}: gone"
