"""Who is calling: a personal access token (`Authorization: Bearer kith_…`) or, for the browser, the Django
session with its CSRF token. Both are checked before any route runs, and so are the token's scope (a read
token may only read) and the per-caller rate limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.models import User
from accounts.ratelimit import RateLimit
from api.models import AccessToken
from api.problems import ApiProblem
from api.tokens import token_find

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_limit() -> RateLimit:
    """Requests per token (or per signed-in user) and window; read at call time so tests can raise it."""
    return RateLimit("api", settings.API_RATE_LIMIT, settings.API_RATE_WINDOW)


def _admit(request: HttpRequest, user: User, key: str, *, can_write: bool) -> User:
    if request.method not in SAFE_METHODS and not can_write:
        raise ApiProblem(403, "This token may only read. Make a token with the write scope to change data.")
    limit = api_limit()
    if not limit.claim(key):
        wait = limit.retry_after()
        raise ApiProblem(
            429, f"Too many requests: try again in {wait} seconds.", headers={"Retry-After": str(wait)}
        )
    return user


class TokenAuth(HttpBearer):
    """A personal access token. An unknown or revoked one is refused at once (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found: AccessToken | None = token_find(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return _admit(request, found.owner, f"token:{found.pk}", can_write=found.can_write)


class SessionAuth(APIKeyCookie):
    """The browser's session. A write needs the CSRF token, as every form of the site does; a request with no
    session at all is 401, not a CSRF failure."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiProblem(403, "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie.")
        assert isinstance(user, User)
        return _admit(request, user, f"user:{user.pk}", can_write=True)
