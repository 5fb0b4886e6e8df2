"""A small rate limiter for login and password reset, counting in Django's cache.

Each limit counts events per key (a username, an email address, a client address) in fixed windows of
`window` seconds: the count lives under a cache key named after the window it belongs to, so an old window
simply expires and no backend has to keep a timeout across `incr`. The cache must be shared by every web
process for the limit to hold, which is why settings.py points CACHES at Redis when CACHE_URL is set.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` events per key in each window of `window` seconds."""

    scope: str
    limit: int
    window: int

    def _cache_key(self, key: str, now: float) -> str:
        # Keys are hashed so that whatever a visitor types (spaces, very long text) makes a valid cache key,
        # and so that a cache dump does not list the usernames and addresses that were tried.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{int(now // self.window)}"

    def exceeded(self, *keys: str, now: float | None = None) -> bool:
        """Whether any of `keys` has used up its events in the current window."""
        now = time.time() if now is None else now
        counts = cache.get_many([self._cache_key(key, now) for key in keys])
        return any(count >= self.limit for count in counts.values())

    def hit(self, *keys: str, now: float | None = None) -> None:
        """Count one event for each of `keys`."""
        now = time.time() if now is None else now
        for key in keys:
            cache_key = self._cache_key(key, now)
            # add() then incr() keeps the count atomic on Redis; the add only succeeds for the first event of
            # a window. incr() fails if the key expired in between, and then this event starts a new count.
            cache.add(cache_key, 0, timeout=self.window)
            try:
                cache.incr(cache_key)
            except ValueError:
                cache.set(cache_key, 1, timeout=self.window)

    def clear(self, *keys: str, now: float | None = None) -> None:
        """Forget the current window's count for `keys`."""
        now = time.time() if now is None else now
        cache.delete_many([self._cache_key(key, now) for key in keys])

    def retry_after(self, now: float | None = None) -> int:
        """Seconds until the current window ends and the counts start again."""
        now = time.time() if now is None else now
        return math.ceil(self.window - now % self.window)

    def wait_text(self, now: float | None = None) -> str:
        """How long to wait, in words for a form error."""
        minutes = max(1, math.ceil(self.retry_after(now) / 60))
        return "a minute" if minutes == 1 else f"{minutes} minutes"


def login_limit() -> RateLimit:
    """Failed logins, per username and per client address (settings are read at call time, so tests and
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
