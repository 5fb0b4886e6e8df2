"""GET /health/: what docker-compose and load balancers see. It answers anyone, over GET or HEAD, and says
which of the database and the broker is down, quickly enough for a probe with a few seconds' timeout."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from config import health
from config.celery import app
from tests.conftest import REDIS_TEST_URL

pytestmark = pytest.mark.django_db

UseBroker = Callable[..., None]


@pytest.fixture
def use_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[UseBroker]:
    """Points the Celery app at another broker for one test, and back at the configured one afterwards."""
    # Raw values, read with get(): the broker_url attribute would also consult the environment.
    saved = {key: app.conf.get(key) for key in ("broker_url", "broker_transport_options")}

    def use(url: str, transport_options: dict[str, object] | None = None) -> None:
        # Celery prefers these environment variables to its configuration, so CI's own setting would win.
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        app.conf.update(broker_url=url, broker_transport_options=transport_options or {})

    yield use
    app.conf.update(saved)


@pytest.fixture
def filesystem_broker(tmp_path: Path, use_broker: UseBroker) -> Path:
    """The embedded default broker, in folders of this test's own."""
    queue = tmp_path / "queue"
    queue.mkdir()
    use_broker(
        "filesystem://",
        {"data_folder_in": str(queue), "data_folder_out": str(queue), "control_folder": str(tmp_path)},
    )
    return queue


def _closed_port() -> int:
    # A port the kernel just handed out and that nothing listens on any more: connecting is refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_health_is_ok_with_the_database_and_the_filesystem_broker(
    client: Client, filesystem_broker: Path
) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_health_answers_without_login_or_csrf_token(filesystem_broker: Path) -> None:
    strict = Client(enforce_csrf_checks=True)

    assert strict.get("/health/").status_code == 200
    assert strict.head("/health/").status_code == 200
    # Not a CSRF failure page (403): the endpoint is read-only and says so.
    assert strict.post("/health/").status_code == 405


def test_health_is_never_cached(client: Client, filesystem_broker: Path) -> None:
    response = client.get("/health/")

    assert "no-cache" in response["Cache-Control"]


def test_health_reports_a_missing_filesystem_queue_as_broker_down(
    client: Client, filesystem_broker: Path
) -> None:
    filesystem_broker.rmdir()

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": True, "broker": False}


def test_health_reports_an_unreachable_broker_quickly(client: Client, use_broker: UseBroker) -> None:
    use_broker(f"redis://127.0.0.1:{_closed_port()}/0")

    started = time.monotonic()
    response = client.get("/health/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": True, "broker": False}
    # Docker's probe gives up after 5 seconds; kombu's default retries would take longer than that.
    assert elapsed < 2 * health.BROKER_TIMEOUT


def test_health_reports_a_database_failure(
    client: Client, filesystem_broker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "_database_ok", lambda: False)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": False, "broker": True}


@pytest.mark.redis
def test_health_is_ok_with_a_real_redis_broker(client: Client, use_broker: UseBroker) -> None:
    use_broker(REDIS_TEST_URL)

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}
