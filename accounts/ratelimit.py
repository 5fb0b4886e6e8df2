"""A rate limiter for login and password reset (and, later, the API), counting in database rows.

Each limit counts events per key (a username, an email address, a client address) in fixed windows of
`window` seconds, one RateCounter row per key and window. An event is counted by a conditional UPDATE that
adds one only while the count is under the limit, so the check and the count are one statement: however many
requests arrive at once, in however many processes, no more than `limit` of them are let through. (A count
kept in each process's memory, as this module once did, let 40 simultaneous guesses have 11 checked.)
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from accounts.models import RateCounter

# Rows of windows that started longer ago than this are deleted; no window may be longer.
KEEP = dt.timedelta(days=1)


def _key_hash(key: str) -> str:
    # A keyed hash, so that a database dump lists neither the usernames and addresses that were tried nor
    # anything a dictionary of usernames could be matched against without the secret key.
    return salted_hmac("accounts.ratelimit", key, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` events per key in each window of `window` seconds (at most a day)."""

    scope: str
    limit: int
    window: int

    def __post_init__(self) -> None:
        if not 0 < self.window <= KEEP.total_seconds():
            raise ValueError(f"A rate limit's window is between 1 second and a day, not {self.window}.")

    def window_start(self, now: float | None = None) -> dt.datetime:
        """When the window holding `now` (seconds since the epoch; the present if None) began."""
        now = time.time() if now is None else now
        return dt.datetime.fromtimestamp(now // self.window * self.window, tz=dt.UTC)

    def claim(self, *keys: str, now: float | None = None) -> bool:
        """Count one event for every key in `keys` and say whether it is allowed, that is whether each key
        still had room in the current window.

        1. For each key: add one to its count with `UPDATE ... WHERE count < limit`; the database applies
           these one at a time, so one row of one window never lets more than `limit` through.
        2. When that changed no row, either this window has no row yet or the limit is reached: insert the
           row if missing (a row another request made meanwhile is kept), delete the rows of windows that
           started over a day ago (this happens once per key and window, or on a refusal), and try the
           UPDATE once more.
        3. A key with no room refuses the event: the keys counted before it get their event back, so a
           refused event counts for none of them.
        """
        start = self.window_start(now)
        claimed: list[str] = []
        for key in dict.fromkeys(keys):
            key_hash = _key_hash(key)
            room = RateCounter.objects.filter(
                scope=self.scope, key_hash=key_hash, window_start=start, count__lt=self.limit
            )
            if not room.update(count=F("count") + 1):
                RateCounter.objects.bulk_create(
                    [RateCounter(scope=self.scope, key_hash=key_hash, window_start=start)],
                    ignore_conflicts=True,
                )
                RateCounter.objects.filter(window_start__lt=start - KEEP).delete()
                if not room.update(count=F("count") + 1):
                    self.refund(*claimed, now=now)
                    return False
            claimed.append(key)
        return True

    def refund(self, *keys: str, now: float | None = None) -> None:
        """Give back one event of the current window for each of `keys`."""
        self._counters(keys, now).filter(count__gt=0).update(count=F("count") - 1)

    def clear(self, *keys: str, now: float | None = None) -> None:
        """Forget the current window's count for `keys`."""
        self._counters(keys, now).delete()

    def _counters(self, keys: tuple[str, ...], now: float | None) -> QuerySet[RateCounter]:
        hashes = [_key_hash(key) for key in keys]
        return RateCounter.objects.filter(
            scope=self.scope, key_hash__in=hashes, window_start=self.window_start(now)
        )

    def retry_after(self, now: float | None = None) -> int:
        """Seconds until the current window ends and the counts start again."""
        now = time.time() if now is None else now
        return math.ceil(self.window - now % self.window)

    def wait_text(self, now: float | None = None) -> str:
        """How long to wait, in words for a form error."""
        minutes = max(1, math.ceil(self.retry_after(now) / 60))
        return "a minute" if minutes == 1 else f"{minutes} minutes"


def login_limit() -> RateLimit:
    """Login attempts, per username and per client address (settings are read at call time, so tests and
    deployments can change them)."""
    return RateLimit("login", settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_WINDOW)


def password_reset_limit() -> RateLimit:
    """Password reset requests, per email address and per client address."""
    return RateLimit("reset", settings.PASSWORD_RESET_RATE_LIMIT, settings.PASSWORD_RESET_RATE_WINDOW)


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a trusted reverse proxy REMOTE_ADDR is the proxy itself, so the last
    X-Forwarded-For entry (the one that proxy appended) is used instead; earlier entries are whatever the
    client chose to send and are never trusted."""
    if settings.RATE_LIMIT_TRUST_FORWARDED_FOR:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
