"""GET /health/: 200 when the database and the Celery broker answer, 503 (with which one failed) otherwise.
Used by docker-compose and by load balancers; it needs no login and reveals nothing but up or down."""

from __future__ import annotations

import os

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from config.celery import app

# Seconds the broker may take to accept a connection and answer. Probes (Docker's HEALTHCHECK, a load
# balancer) give up after a few seconds of their own, so a broker that is down must be reported well within
# that, instead of the probe timing out and learning nothing about which service failed.
BROKER_TIMEOUT = 1.5


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    # One attempt, no retries: kombu's default would sleep seconds between attempts. The socket timeouts are
    # the Redis transport's names; transports that do not know them ignore them, and connect_timeout covers
    # AMQP brokers.
    options = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
            if conn.transport.driver_type == "filesystem":
                return _folder_writable(conn.transport_options.get("data_folder_in", "data_in"))
        return True
    except Exception:
        return False


def _folder_writable(folder: str) -> bool:
    # The filesystem broker "connects" even when its queue folder is missing; sending a task would fail later
    # inside a request. The folder is what this broker is, so it must exist and take new files.
    return os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)


# GET and HEAD never need a CSRF token; csrf_exempt also spares a probe that sends another method the CSRF
# failure page, so it gets require_safe's plain 405 instead.
@csrf_exempt
@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    return JsonResponse({"status": "ok" if status == 200 else "error", **checks}, status=status)
