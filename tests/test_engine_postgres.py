"""The digest engine under concurrency, on PostgreSQL: ticks and sends running at once in threads, each
with its own database connection, as several beat ticks and workers would."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from accounts.models import AddressConfirmation, User
from contacts.models import Contact
from contacts.policy import Reason
from followups import digests
from followups.digests import LEASE, digest_send, digests_due, digests_send_due
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState
from interactions.capture import CaptureInput, capture_row_save
from interactions.models import Event, Interaction
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
    # Their addresses are confirmed: the digest goes only to a confirmed address.
    AddressConfirmation.objects.bulk_create(
        AddressConfirmation(owner=user, address=user.email, confirmed_at=MONDAY_8AM - dt.timedelta(days=1))
        for user in users
    )
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

    def flaky(message, **options):
        calls.append(message)
        if len(calls) == 1:
            raise TimeoutError("the mail server timed out")
        real_send(message, **options)

    monkeypatch.setattr(digests, "email_send", flaky)
    assert digests_send_due(MONDAY_8AM) == "1 failed"
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.FAILED and "timed out" in digest.last_error
    assert digests_send_due(digest.available_at) == "1 sent"
    assert len(mail.outbox) == 1
    assert FollowUp.objects.get().state == FollowUpState.SENT


def test_ticks_at_once_over_many_batches_create_each_digest_once_and_move_everyone_on(monkeypatch):
    monkeypatch.setattr(digests, "TICK_BATCH", 15)
    users = users_with_a_follow_up_due(150)
    quiet = User.objects.bulk_create(
        User(username=f"quiet{n}", email=f"quiet{n}@example.com", time_zone="Europe/London")
        for n in range(50)
    )
    run_at_once(6, lambda: digests_due(MONDAY_8AM))
    assert Counter(Digest.objects.values_list("owner_id", "local_date")) == Counter(
        {(user.pk, MONDAY): 1 for user in users}
    )
    tuesday_8am = MONDAY_8AM + dt.timedelta(days=1)
    moved = User.objects.filter(pk__in=[user.pk for user in users + quiet], next_digest_at=tuesday_8am)
    assert moved.count() == 200


def test_a_user_whose_row_is_being_saved_is_left_to_the_next_tick():
    """The tick does not wait for a user row another transaction holds (a settings save, say): it skips the
    user, and the next tick, once the row is free, creates their digest."""
    busy, free = users_with_a_follow_up_due(2)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                User.objects.filter(pk=busy.pk).update(first_name="Busy")  # a save, not committed yet
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert len(digests_due(MONDAY_8AM)) == 1
        assert list(Digest.objects.values_list("owner_id", flat=True)) == [free.pk]
    finally:
        release.set()
        holder.join(timeout=30)
    assert len(digests_due(MONDAY_8AM + dt.timedelta(minutes=5))) == 1
    assert sorted(Digest.objects.values_list("owner_id", flat=True)) == sorted([busy.pk, free.pk])


def test_a_capture_row_sent_at_once_by_several_processes_saves_one_person():
    """A phone retried a row while its first request was still running, and the two reached different web
    processes: the database's one meeting per row key lets one save, and the others get its row back."""
    maya = User.objects.create(username="maya", email="maya@example.com", time_zone="Europe/London")
    event = Event.objects.create(owner=maya, name="PyCon", setting=Setting.FORMAL, start_date=MONDAY)
    row = CaptureInput(
        name="Ana Núñez",
        intention=Intention.PROFESSIONAL,
        context="met at the keynote",
        row_key="a0b1c2d3e4",
        remind_on=MONDAY + dt.timedelta(days=3),
        remind_note="send the deck",
    )
    results = run_at_once(4, lambda: capture_row_save(maya, event, row, now=timezone.now()))
    assert Contact.objects.filter(owner=maya).count() == 1
    assert Interaction.objects.filter(owner=maya, row_key=row.row_key).count() == 1
    assert len({result.participation.pk for result in results}) == 1
    assert sorted(result.repeated for result in results) == [False, True, True, True]
    assert FollowUp.objects.filter(owner=maya, reason=Reason.REQUESTED).count() == 1
