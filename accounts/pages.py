"""Small helpers every app's views share: the request type of logged-in views, htmx partial rendering and
safe `next` redirects. They sit in the lowest app, beside `ownership`, so contacts and interactions use them
without importing each other."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a `@login_required` view receives: its user is a Kith user, never AnonymousUser.

    A type for the checker only (django-stubs' documented pattern): Django still builds a plain HttpRequest,
    and `login_required` is what makes the narrower `user` true. Views without that decorator, and helpers
    they share with them, keep taking HttpRequest.
    """

    user: User


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page. A history restore (back button after the cache expired) asks for
    the whole page, even though htmx marks it as an htmx request."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or only its `{% partialdef partial %}` for an htmx request. The response varies on
    HX-Request, so a browser never shows a cached fragment as a whole page (or the other way round)."""
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` address posted or given in the query string, when it stays on this site; else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


_MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """An object id from a query string, or None when the text is not one (letters, "²", a number too large
    for the database's bigint)."""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


# An id no row will have, so its digits mark where the id goes in the reversed URL.
_ID_MARK = 987654321987654321
_ID_URLS: dict[tuple[str, str], tuple[str, str]] = {}


def url_with_id(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a URL whose one argument is an id, resolved once per name (and script
    prefix) rather than for every link: a dashboard or list links a hundred people or more."""
    key = (name, get_script_prefix())
    parts = _ID_URLS.get(key)
    if parts is None:
        before, mark, after = reverse(name, args=[_ID_MARK]).partition(str(_ID_MARK))
        if not mark:
            raise ValueError(f"{name} does not take one id")
        parts = _ID_URLS[key] = (before, after)
    return f"{parts[0]}{int(pk)}{parts[1]}"
