"""Fixtures shared by the whole suite, and the rule for tests that need a real service.

A test marked `postgres`, `redis` or `browser` skips, with the reason, on a machine that lacks the service.
CI sets KITH_REQUIRE_SERVICES=1: there a missing service fails the test instead, so nothing skips silently.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Hypothesis profiles, picked by HYPOTHESIS_PROFILE: "ci" (the default) runs a bounded number of examples and
# no deadline, since a per-example deadline on a shared 2-core machine fails on a slow moment rather than a
# bug; "dev" explores more. A test's own @settings still wins over the profile.
hypothesis_settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", parent=hypothesis_settings.get_profile("ci"), max_examples=400)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _redis_reachable() -> bool:
    parts = urlsplit(REDIS_TEST_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (the suite is running on SQLite)"
    if item.get_closest_marker("redis") and not _redis_reachable():
        return f"needs Redis at {REDIS_TEST_URL} (set REDIS_TEST_URL)"
    if item.get_closest_marker("browser"):
        if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
            return f"needs Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "needs the playwright package (make setup installs it)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if os.environ.get("KITH_REQUIRE_SERVICES") == "1":
        pytest.fail(f"KITH_REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _tasks_queue_in_memory() -> None:
    """Tasks queued by the code under test (a password reset, a new-device email, a large import) go to an
    in-memory broker, never to the embedded default's folders in var/, where a later `make run` worker would
    pick them up. A run given CELERY_BROKER_URL (CI's Redis) keeps it."""
    if "CELERY_BROKER_URL" not in os.environ:
        from config.celery import app

        app.conf.update(broker_url="memory://", broker_transport_options={})


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers take half a second a password by design; tests need none of that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _participations_agree_with_their_interactions(request):
    """After every test that used the database: no participation disagrees with its interaction's time or
    purpose (interactions.models.Participation repeats them). Whatever wrote them, in the code or in a
    test, this catches a writer that forgot."""
    names = request.fixturenames
    if not (request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(names)):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so the check runs before the rollback
    yield
    from interactions.models import Participation

    stray = Participation.objects.exclude(
        occurred_at=F("interaction__occurred_at"), purpose=F("interaction__purpose")
    ).values_list("pk", "interaction_id")[:5]
    assert not stray, f"participations out of step with their interactions: {list(stray)}"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def migrator():
    """A migration executor; whatever the test does, the database is migrated to the present after it."""
    yield MigrationExecutor(connection)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
