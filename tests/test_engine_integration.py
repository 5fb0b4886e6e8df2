"""The whole engine with real parts: a Celery worker in its own process on a Redis broker, PostgreSQL, and an
SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives.

The worker is `celery -A config worker` run with the test database's DATABASE_URL, so it reads the rows this
test commits (hence transaction=True). The beat task is sent by name, as beat would send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.choices import Intention, Purpose
from contacts.policy import Reason
from followups.digest_content import digest_message_id
from followups.engine import user_today
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState
from tests.conftest import REDIS_TEST_URL
from tests.factories import ContactFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent
# Redis databases 10 to 13 are this suite's; the engine tests use 11 as the broker.
_redis = urlsplit(REDIS_TEST_URL)
BROKER_URL = f"redis://{_redis.hostname or '127.0.0.1'}:{_redis.port or 6379}/11"
BEAT_TASK = "interactions.tasks.send_due_digests"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage


@dataclass
class Recorder:
    """An SMTP handler that keeps every message it accepted. `delay` makes each one slow, so a test can kill
    the worker while it is in the middle of a batch."""

    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Celery]:
    """A Celery client on the empty test broker, to send the beat task by name."""
    # Celery prefers the CELERY_BROKER_URL environment variable (set by CI) to the broker it is given.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    redis.Redis.from_url(BROKER_URL).flushdb()
    app = Celery("kith-test", broker=BROKER_URL)
    yield app
    app.close()
    redis.Redis.from_url(BROKER_URL).flushdb()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A config worker` in its own process group, pointed at the test database, broker and SMTP."""

    def __init__(self, smtp_port: int, data_dir: Path) -> None:
        self.log = data_dir / "worker.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
            # The same key and address as this test process, so the links it signs work in the test client.
            "SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": settings.SITE_URL,
            "KITH_DATA_DIR": str(data_dir),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        command = [str(celery), "-A", "config", "worker", "--concurrency=1", "--loglevel=INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no shutdown, no acknowledgements."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            # Pool processes the main one left behind, if any.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def _wait_for_other_sessions_to_end(timeout: float = 10) -> None:
    """The test database is dropped at the end of the run; a session of a killed worker that PostgreSQL has
    not noticed yet would stop that, so wait until it is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


@pytest.fixture
def worker(smtp, tmp_path) -> Iterator[Worker]:
    running = Worker(smtp[1], tmp_path)
    yield running
    # Stopped before the test database is flushed, so no connection of its is left open.
    running.stop()
    _wait_for_other_sessions_to_end()


def wait_for(condition: Callable[[], bool], what: str, worker: Worker, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    log = worker.log.read_text(errors="replace")[-4000:] if worker.log.exists() else ""
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log}")


def users_due(count: int, **fields) -> list:
    """Users whose digest moment today has passed (UTC, 00:00), each with a friend due yesterday."""
    users = []
    for n in range(count):
        user = UserFactory(
            username=f"engine{n}",
            time_zone="UTC",
            digest_hour=0,
            **{k: v(n) if callable(v) else v for k, v in fields.items()},
        )
        friend = ContactFactory(owner=user, display_name=f"Friend {n}", intention=Intention.PERSONAL)
        FollowUp.objects.create(
            owner=user,
            contact=friend,
            purpose=Purpose.PERSONAL,
            reason=Reason.REQUESTED,
            due_on=user_today(user) - timezone.timedelta(days=1),
            note=f"return the book to friend {n}",
        )
        users.append(user)
    return users


def all_sent(count: int) -> Callable[[], bool]:
    return lambda: Digest.objects.filter(status=DigestStatus.SENT).count() == count


def text_part(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_beat_task_fires_the_worker_sends_and_the_server_gets_the_expected_messages(
    smtp, broker, worker, client
):
    recorder, _ = smtp
    users = users_due(3, reminder_email=lambda n: f"reminders{n}@example.org" if n == 0 else "")
    quiet = UserFactory(time_zone="UTC", digest_hour=0)  # nothing due: no email
    ContactFactory(owner=quiet)
    worker.start()
    broker.send_task(BEAT_TASK)
    wait_for(all_sent(3), "three digests to be sent", worker)
    time.sleep(1)  # Anything extra would have arrived by now.
    assert len(recorder.received) == 3
    by_recipient = {tuple(r.rcpt_tos): r for r in recorder.received}
    assert set(by_recipient) == {
        ("reminders0@example.org",),
        ("engine1@example.com",),
        ("engine2@example.com",),
    }
    for user in users:
        received = by_recipient[(user.reminder_address,)]
        message = received.message
        assert message["To"] == user.reminder_address
        assert message["Message-ID"] == digest_message_id(user.pk, user_today(user))
        assert re.fullmatch(r"<https?://[^>]+/unsubscribe/[^>]+/>", message["List-Unsubscribe"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
    # The signed "I reached out" link in the first user's email works in a browser that is not logged in.
    body = text_part(by_recipient[("reminders0@example.org",)].message)
    done_url = re.search(r"I reached out: (\S+)", body).group(1)
    path = urlsplit(done_url).path
    assert client.get(path).status_code == 200
    assert FollowUp.objects.get(owner=users[0]).state == FollowUpState.SENT
    assert client.post(path).status_code == 200
    assert FollowUp.objects.get(owner=users[0], reason=Reason.REQUESTED).state == FollowUpState.DONE


def test_a_worker_killed_mid_batch_and_restarted_delivers_every_digest_exactly_once(smtp, broker, worker):
    """SIGKILL in the middle of a batch. The digest being sent keeps its claim until the lease ends, and the
    tasks the dead worker had taken are not redelivered before the broker's visibility timeout; the test
    moves those two moments into the past instead of waiting for them, as if a lease had gone by. The next
    beat tick then queues what is left, and every digest arrives once (by Message-ID)."""
    recorder, _ = smtp
    recorder.delay = 0.4
    users = users_due(8)
    expected = {digest_message_id(user.pk, user_today(user)) for user in users}
    worker.start()
    broker.send_task(BEAT_TASK)
    wait_for(lambda: len(recorder.received) >= 2, "the batch to be under way", worker)
    worker.kill()
    unsent = Digest.objects.exclude(status=DigestStatus.SENT).count()
    assert unsent > 0, "the worker finished the batch before it was killed"

    now = timezone.now()
    Digest.objects.filter(status=DigestStatus.CLAIMED).update(claimed_until=now)
    Digest.objects.filter(status=DigestStatus.PENDING).update(available_at=now)
    recorder.delay = 0
    worker.start()
    broker.send_task(BEAT_TASK)
    wait_for(all_sent(len(users)), "every digest to be sent after the restart", worker)
    time.sleep(1)
    ids = Counter(received.message["Message-ID"] for received in recorder.received)
    assert set(ids) == expected
    # At most the one message in flight when the worker died can have reached the server twice, and then
    # with the same Message-ID, so a mail client shows it once.
    assert sum(ids.values()) - len(expected) <= 1
    assert Counter(r for received in recorder.received for r in received.rcpt_tos).keys() == {
        user.email for user in users
    }
