"""What the api app does when the accounts app says something happened (accounts/signals.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from api.models import AccessToken


def tokens_revoke_all(sender: object, user: User, **kwargs: Any) -> None:
    """Logging out everywhere also ends every access token: a token made by an intruder must not outlive
    the sessions the user shut them out of."""
    AccessToken.objects.filter(owner=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
