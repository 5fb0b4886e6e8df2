"""The digest engine under concurrency, on PostgreSQL: ticks and sends running at once in threads, each
with its own database connection, as several beat ticks and workers would."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connections

from accounts.choices import Intention, Purpose
from accounts.models import User
from contacts.models import Contact
from contacts.policy import Reason
from interactions import digests
from interactions.digests import LEASE, digest_send, digests_due, digests_send_due
from interactions.models import Digest, DigestStatus, FollowUp, FollowUpState
from tests.factories import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY_8AM = dt.datetime(2025, 6, 2, 7, 0, tzinfo=dt.UTC)  # 08:00 in London
MONDAY = dt.date(2025, 6, 2)


def users_with_a_follow_up_due(count: int) -> list[User]:
    """`count` users in London, each with one friend whose requested follow-up is due today."""
    users = User.objects.bulk_create(
        User(username=f"engine{n}", email=f"engine{n}@example.com", time_zone="Europe/London")
        for n in range(count)
    )
    for user in users:
        user.set_password(PASSWORD)
    contacts = Contact.objects.bulk_create(
        Contact(owner=user, display_name=f"Friend of {user.username}", intention=Intention.PERSONAL)
        for user in users
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            owner_id=c.owner_id, contact=c, purpose=Purpose.PERSONAL, reason=Reason.REQUESTED, due_on=MONDAY
        )
        for c in contacts
    )
    return users


def run_at_once(count: int, work: Callable[[], object]) -> list[object]:
    """Run `work` in `count` threads released together; each thread closes its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as error:  # Re-raised below, in the test's thread.
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_several_ticks_at_once_send_each_of_200_users_exactly_one_digest():
    users = users_with_a_follow_up_due(200)
    run_at_once(6, lambda: digests_send_due(MONDAY_8AM))
    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert recipients == Counter({user.email: 1 for user in users})
    assert Digest.objects.filter(status=DigestStatus.SENT).count() == 200
    assert not FollowUp.objects.exclude(state=FollowUpState.SENT).exists()
    # A tick afterwards finds nothing more to do.
    assert digests_send_due(MONDAY_8AM + dt.timedelta(minutes=5)) == "nothing due"


def test_a_digest_delivered_to_several_workers_is_sent_once():
    """The broker may deliver a task twice: every thread here tries to send every digest."""
    users_with_a_follow_up_due(30)
    ids = digests_due(MONDAY_8AM)
    assert len(ids) == 30
    results = run_at_once(5, lambda: Counter(digest_send(i, now=MONDAY_8AM) for i in ids))
    total = sum(results, Counter())
    assert total["sent"] == 30
    assert total["not claimed"] == 4 * 30
    assert len(mail.outbox) == 30


def test_a_claim_with_an_expired_lease_is_taken_over():
    users_with_a_follow_up_due(1)
    (digest_id,) = digests_due(MONDAY_8AM)
    # A worker won the claim and was killed before it sent anything.
    Digest.objects.filter(pk=digest_id).update(
        status=DigestStatus.CLAIMED, claimed_until=MONDAY_8AM + LEASE, attempts=1
    )
    assert digests_send_due(MONDAY_8AM + LEASE / 2) == "nothing due"
    assert digests_send_due(MONDAY_8AM + LEASE) == "1 sent"
    digest = Digest.objects.get()
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried(monkeypatch):
    users_with_a_follow_up_due(1)
    calls = []
    real_send = digests.email_send

    def flaky(message):
        calls.append(message)
        if len(calls) == 1:
            raise TimeoutError("the mail server timed out")
        real_send(message)

    monkeypatch.setattr(digests, "email_send", flaky)
    assert digests_send_due(MONDAY_8AM) == "1 failed"
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.FAILED and "timed out" in digest.last_error
    assert digests_send_due(digest.available_at) == "1 sent"
    assert len(mail.outbox) == 1
    assert FollowUp.objects.get().state == FollowUpState.SENT
