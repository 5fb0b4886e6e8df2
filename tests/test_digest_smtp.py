"""The send is recorded as soon as the mail server has accepted the digest, before QUIT (issue 18, item 4).

A real SMTP server (aiosmtpd) on 127.0.0.1 that answers QUIT slowly, as a busy server may (up to Kith's 30 s
timeout): when QUIT arrives it reads the Digest row from its own thread, through its own database
connection, so the test sees what a crash at that moment would leave. The rows are committed
(transaction=True) for that thread to see them. The file and locmem mailers keep working through the same
path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connections

from accounts.choices import Purpose
from contacts.policy import Reason
from followups.digests import digests_send_due
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState
from tests.factories import ContactFactory, UserFactory

MONDAY_8AM = dt.datetime(2025, 6, 2, 7, 0, tzinfo=dt.UTC)  # 08:00 in London
SLOW_QUIT = 0.5  # seconds the server keeps its answer to QUIT


@dataclass
class SlowQuit:
    """Accepts every message; on QUIT, notes each digest's status as the database has it, then waits."""

    received: list[bytes] = field(default_factory=list)
    at_quit: list[list[tuple[str, str]]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope) -> str:
        loop = asyncio.get_running_loop()
        self.at_quit.append(await loop.run_in_executor(None, _statuses))
        await asyncio.sleep(SLOW_QUIT)
        return "221 Bye"


def _statuses() -> list[tuple[str, str]]:
    """Each digest's status and each follow-up's state, read in a thread of its own (its own connection)."""
    try:
        digests = [("digest", status) for status in Digest.objects.values_list("status", flat=True)]
        followups = [("follow-up", state) for state in FollowUp.objects.values_list("state", flat=True)]
        return digests + followups
    finally:
        connections.close_all()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def slow_smtp(settings) -> Iterator[SlowQuit]:
    handler = SlowQuit()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()


def a_follow_up_due() -> FollowUp:
    user = UserFactory(time_zone="Europe/London")
    return FollowUp.objects.create(
        owner=user,
        contact=ContactFactory(owner=user, display_name="Ana"),
        purpose=Purpose.PERSONAL,
        reason=Reason.REQUESTED,
        due_on=MONDAY_8AM.date(),
        note="bring the book",
    )


@pytest.mark.django_db(transaction=True)
def test_the_send_is_recorded_before_the_mail_server_answers_quit(slow_smtp):
    followup = a_follow_up_due()
    with time_machine.travel(MONDAY_8AM, tick=False):
        assert digests_send_due(MONDAY_8AM) == "1 sent"
    assert len(slow_smtp.received) == 1
    # When QUIT arrived, the digest was already recorded as sent and its follow-up as emailed: a crash while
    # the server takes its time over QUIT cannot send the digest again.
    assert slow_smtp.at_quit == [[("digest", DigestStatus.SENT), ("follow-up", FollowUpState.SENT)]]
    followup.refresh_from_db()
    assert followup.state == FollowUpState.SENT


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_is_recorded_as_failed_not_sent(slow_smtp):
    async def refuse(server, session, envelope) -> str:
        return "554 Transaction failed"

    slow_smtp.handle_DATA = refuse
    a_follow_up_due()
    with time_machine.travel(MONDAY_8AM, tick=False):
        assert digests_send_due(MONDAY_8AM) == "1 failed"
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.FAILED and "554" in digest.last_error
    assert FollowUp.objects.get().state == FollowUpState.SCHEDULED


@pytest.mark.django_db
def test_the_file_mailer_still_writes_the_digest_and_records_it(settings, tmp_path: Path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    a_follow_up_due()
    with time_machine.travel(MONDAY_8AM, tick=False):
        assert digests_send_due(MONDAY_8AM) == "1 sent"
    (written,) = tmp_path.iterdir()
    assert "Follow up with Ana" in written.read_text()
    assert Digest.objects.get().status == DigestStatus.SENT
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_record_that_fails_after_the_server_accepted_leaves_the_claim_to_its_lease(monkeypatch):
    """The one window left: the server took the message and the record could not be committed. That is not
    a failed send to retry at once; the claim runs out its lease, and the repeat carries the same
    Message-ID, so it is recognisable."""
    from django.db import OperationalError

    from followups import digests
    from followups.digests import LEASE

    a_follow_up_due()
    real_record = digests._digest_record_sent

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(digests, "_digest_record_sent", database_gone)
    with time_machine.travel(MONDAY_8AM, tick=False), pytest.raises(OperationalError):
        digests_send_due(MONDAY_8AM)
    assert Digest.objects.get().status == DigestStatus.CLAIMED
    monkeypatch.setattr(digests, "_digest_record_sent", real_record)
    assert digests_send_due(MONDAY_8AM + LEASE / 2) == "nothing due"
    assert digests_send_due(MONDAY_8AM + LEASE) == "1 sent"
    first, repeat = mail.outbox
    assert first.extra_headers["Message-ID"] == repeat.extra_headers["Message-ID"]
