"""Personal access tokens: made, found by the hash of what a client sends, and revoked.

A token is `kith_` and 43 characters of `secrets.token_urlsafe(32)` (256 bits). The prefix lets secret
scanners and people recognise one; the randomness makes a plain SHA-256 enough to store it (a slow password
hash protects guessable secrets, and nothing about a random 256-bit token is guessable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from accounts.models import User
from api.models import AccessToken, Scope

TOKEN_PREFIX = "kith_"
# How often the last-used date is written: every request would turn each read into a write.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(owner: User, name: str, scope: str = Scope.READ) -> tuple[AccessToken, str]:
    """Make a token; returns it and the secret, which is never stored and must be shown to the user once."""
    if scope not in Scope.values:
        raise ValueError(f"Unknown scope {scope!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        owner=owner,
        name=name.strip() or "API token",
        scope=scope,
        token_hash=token_hash(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 4],
    )
    return token, raw


def token_find(raw: str, *, now: dt.datetime | None = None) -> AccessToken | None:
    """The live token a client sent, noting when it was used; None for an unknown or revoked one."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        AccessToken.objects.select_related("owner")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(token: AccessToken) -> AccessToken:
    """Refuse the token from now on; the row stays, so the settings page can say when it was revoked."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
