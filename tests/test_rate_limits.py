"""Rate limits that hold under concurrency, and a password reset that looks the same for every address.

The limiter counts in database rows with a conditional UPDATE (accounts.ratelimit); the password reset
request only queues a task, so nothing it does depends on whether the address belongs to an account.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import RateCounter
from accounts.ratelimit import RateLimit
from accounts.tasks import send_password_reset
from tests.factories import PASSWORD, UserFactory
from tests.test_engine_postgres import run_at_once

DAY = 24 * 60 * 60


# Password reset


def test_password_reset_queues_the_same_task_for_a_known_and_an_unknown_address(
    client, alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://kith.example.org"
    queued = []
    monkeypatch.setattr(send_password_reset, "delay", lambda *args: queued.append(args))
    responses = []
    for address in ("alice@example.com", "nobody@example.com"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            responses.append(client.post(reverse("password_reset"), {"email": address}))
        # The request never looks the address up: that is the task's work, done by the worker.
        assert not [query for query in queries if "accounts_user" in query["sql"]]

    assert [(r.status_code, r["Location"]) for r in responses] == [(302, reverse("password_reset_done"))] * 2
    assert queued == [
        ("alice@example.com", "kith.example.org", True),
        ("nobody@example.com", "kith.example.org", True),
    ]
    assert mail.outbox == []


def test_a_refused_password_reset_queues_nothing(
    client, alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_LIMIT = 1
    queued = []
    monkeypatch.setattr(send_password_reset, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "alice@example.com"})
        response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert len(queued) == 1


def test_the_reset_task_emails_a_link_to_a_known_address(alice):
    send_password_reset("ALICE@example.com", "kith.example.org", True)
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your Kith password"
    link = re.search(r"https?://\S+", message.body).group()
    assert link.startswith("https://kith.example.org/accounts/password/reset/")


def test_the_reset_task_sends_nothing_for_an_unknown_address(alice):
    send_password_reset("nobody@example.com", "kith.example.org", True)
    assert mail.outbox == []


def test_the_reset_task_sends_nothing_to_an_inactive_user_or_one_without_a_password(db):
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    no_password = UserFactory(username="sso", email="sso@example.com")
    no_password.set_unusable_password()
    no_password.save()
    for address in ("gone@example.com", "sso@example.com"):
        send_password_reset(address, "kith.example.org", False)
    assert mail.outbox == []


# The limiter, one claim after another (SQLite or PostgreSQL)


def test_the_limiter_lets_exactly_the_limit_through_in_a_window(db):
    limit = RateLimit("test", limit=3, window=60)
    assert [limit.claim("k", now=120.0 + n) for n in range(5)] == [True, True, True, False, False]
    assert limit.claim("other", now=150.0)
    assert limit.retry_after(now=150.0) == 30
    assert limit.wait_text(now=150.0) == "a minute"
    # The next window starts a new count.
    assert [limit.claim("k", now=180.0 + n) for n in range(4)] == [True, True, True, False]


def test_a_claim_refused_for_one_key_counts_for_none_of_them(db):
    limit = RateLimit("test", limit=1, window=60)
    assert limit.claim("user:alice", "ip:10.0.0.1", now=0.0)
    assert not limit.claim("user:bob", "ip:10.0.0.1", now=1.0)
    # bob's count was given back when the address refused the attempt.
    assert limit.claim("user:bob", "ip:10.0.0.2", now=2.0)


def test_limits_of_different_scopes_count_apart(db):
    login, reset = RateLimit("login", limit=1, window=60), RateLimit("reset", limit=1, window=60)
    assert login.claim("k", now=0.0)
    assert reset.claim("k", now=0.0)
    assert not login.claim("k", now=1.0)


def test_the_limiter_stores_no_username_or_address(db):
    RateLimit("login", limit=5, window=60).claim("user:alice", "ip:203.0.113.9", now=0.0)
    stored = " ".join(str(row) + row.key_hash for row in RateCounter.objects.all())
    assert RateCounter.objects.count() == 2
    assert "alice" not in stored
    assert "203.0.113.9" not in stored


def test_rows_of_windows_over_a_day_old_are_deleted(db):
    limit = RateLimit("test", limit=5, window=3600)
    limit.claim("old", now=0.0)
    limit.claim("recent", now=DAY - 3600.0)
    limit.claim("new", now=DAY + 3600.0)
    kept = set(RateCounter.objects.values_list("window_start", flat=True))
    assert kept == {limit.window_start(DAY - 3600.0), limit.window_start(DAY + 3600.0)}


def test_a_window_longer_than_a_day_is_refused():
    with pytest.raises(ValueError, match="between 1 second and a day"):
        RateLimit("test", limit=5, window=DAY + 1)


# Many at once, against PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_claims_let_exactly_the_limit_through():
    limit = RateLimit("test", limit=10, window=3600)
    results = run_at_once(40, lambda: limit.claim("k", now=1000.0))
    assert Counter(results) == Counter({True: 10, False: 30})
    assert RateCounter.objects.get().count == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_login_guesses_have_exactly_the_limit_checked(settings):
    settings.LOGIN_RATE_LIMIT = 10
    UserFactory(username="alice", email="alice@example.com")

    def guess() -> int:
        # Each guess comes from its own address (one per thread), so only alice's count can hold them back.
        data = {"username": "alice", "password": "wrong"}
        return Client().post(reverse("login"), data, REMOTE_ADDR=f"ip-{threading.get_ident()}").status_code

    statuses = run_at_once(40, guess)
    # 200 is "That username and password do not match an account.": the password was checked.
    assert Counter(statuses) == Counter({200: 10, 429: 30})
    response = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize("page", ["api_tokens", "account_delete"])
def test_a_logged_in_session_cannot_guess_the_password_without_limit(db, client, settings, page):
    """Making a token and deleting the account ask for the password again; a borrowed session that guesses
    it is counted like a login, and once refused even the right password waits for the next window."""
    settings.LOGIN_RATE_LIMIT = 3
    user = UserFactory()
    client.force_login(user)
    data = {"name": "script", "scope": "write", "password": "not it"}
    answers = [client.post(reverse(page), data).status_code for _ in range(4)]
    assert 429 not in answers[:3]
    assert answers[3] == 429
    refused = client.post(reverse(page), {**data, "password": PASSWORD})
    assert refused.status_code == 429
    user.refresh_from_db()
    assert user.is_active and not user.access_tokens.exists()
