"""CardDAV (RFC 6352 over WebDAV, RFC 4918, and collection sync, RFC 6578), answered by plain Django views.

Paths: `/.well-known/carddav` redirects to `/dav/`; `/dav/<username>/` is the user's principal and the home of
their books; `/dav/<username>/<book>/` is a book (`all`, `friendships`, `network`) and
`/dav/<username>/<book>/<card name>` a card. HTTP Basic: the username and a personal access token as the
password; a read token reads, and any write is 403. Another user's paths are 404.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.csrf import csrf_exempt

from accounts.ratelimit import RateLimit
from api.tokens import token_find
from contacts.models import Contact
from dav import reports
from dav.cards import VCARD_3, VCARD_4, CardRefused, card_read, card_served
from dav.davxml import CARDDAV, BadXml, TooLarge, error_body
from dav.errors import DavError
from dav.models import BOOKS_OFFERED, Books, SyncPassword
from dav.props import MAX_CARD_BYTES, ROOT, Resource, book_href, principal_href
from dav.store import BOOKS, Conflict, card_delete, card_find, card_put

_READS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})
_ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT"


def dav_limit() -> RateLimit:
    """Requests per token and window, the API's numbers (read at call time, so tests can change them)."""
    return RateLimit("dav", settings.API_RATE_LIMIT, settings.API_RATE_WINDOW)


@csrf_exempt
def well_known(request: HttpRequest) -> HttpResponse:
    """RFC 6764: where the CardDAV service is."""
    return HttpResponsePermanentRedirect(ROOT)


def _authenticate(request: HttpRequest) -> Resource:
    """The caller, from HTTP Basic with a personal access token: 401 without a live one, 403 for a write with
    a read token, 429 past the rate limit."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    try:
        username, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        username = password = ""
    token = token_find(password.strip()) if scheme.lower() == "basic" and password else None
    if token is None or token.owner.get_username().casefold() != username.casefold():
        raise DavError(
            401,
            "Sign in with your username and an app password (Settings > Phone sync).",
            headers={"WWW-Authenticate": 'Basic realm="Kith", charset="UTF-8"'},
        )
    if request.method not in _READS and not token.can_write:
        raise DavError(
            403, "This app password may only read. Make one that can write in Settings > Phone sync."
        )
    limit = dav_limit()
    if not limit.claim(f"token:{token.pk}"):
        wait = str(limit.retry_after())
        raise DavError(429, f"Too many requests: try again in {wait} seconds.", headers={"Retry-After": wait})
    password: SyncPassword | None = getattr(token, "phone_sync", None)
    offered = BOOKS_OFFERED[password.books] if password else BOOKS_OFFERED[Books.EVERY]
    return Resource("root", ROOT, token.owner, can_write=token.can_write, offered=offered)


def _version(request: HttpRequest) -> str:
    accept = request.headers.get("Accept", "")
    return VCARD_4 if "text/vcard" in accept and "4.0" in accept else VCARD_3


def _resolve(
    request: HttpRequest, caller: Resource, username: str | None, book: str | None, name: str | None
) -> Resource:
    """The resource a path names, for the caller; 404 for another user's or an unknown one."""
    caller.version = _version(request)
    if username is None:
        return caller
    if username != caller.user.get_username():
        raise DavError(404, "Not found.")
    caller.kind, caller.href = "principal", principal_href(caller.user)
    if book is None:
        return caller
    if book not in BOOKS or book not in caller.offered:
        raise DavError(404, "Not found.")
    caller.kind, caller.book, caller.href = "book", BOOKS[book], book_href(caller.user, BOOKS[book])
    if name is None:
        return caller
    caller.kind, caller.href, caller.name = "card", caller.href + quote(name, safe=""), name
    caller.contact = card_find(caller.user, caller.book, name)
    return caller


@csrf_exempt
def dav(
    request: HttpRequest, username: str | None = None, book: str | None = None, name: str | None = None
) -> HttpResponse:
    """Every CardDAV request: authenticate, find the resource, answer by method."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["DAV"] = "1, 3, addressbook"
        response["Allow"] = _ALLOW
        return response
    return _answered(request, lambda caller: _resolve(request, caller, username, book, name))


def site_root_propfind(request: HttpRequest) -> HttpResponse:
    """A PROPFIND on the site's root `/` (dav.middleware), which some clients send before they try
    `/.well-known/carddav`: answered as `/dav/` is, under the path asked for, so the client finds the
    principal (current-user-principal) and the home of the books."""

    def at_site_root(caller: Resource) -> Resource:
        caller.href = "/"
        caller.version = _version(request)
        return caller

    return _answered(request, at_site_root)


def _answered(request: HttpRequest, find: Callable[[Resource], Resource]) -> HttpResponse:
    """Authenticate, find the resource (`find` is given the caller, the root) and answer by method."""
    handlers: dict[str, Callable[[HttpRequest, Resource], HttpResponse]] = {
        "PROPFIND": reports.propfind,
        "REPORT": reports.report,
        "GET": _get,
        "HEAD": _get,
        "PUT": _put,
        "DELETE": _delete,
    }
    try:
        resource = find(_authenticate(request))
        handler = handlers.get(request.method or "")
        if handler is None:
            raise DavError(
                405,
                "Kith's address books take OPTIONS, GET, PUT, DELETE, PROPFIND and REPORT.",
                headers={"Allow": _ALLOW},
            )
        return handler(request, resource)
    except DavError as error:
        return error.response()
    except TooLarge as error:
        return DavError(413, str(error)).response()
    except BadXml as error:
        return DavError(400, str(error)).response()


def _get(request: HttpRequest, resource: Resource) -> HttpResponse:
    if resource.kind != "card":
        raise DavError(405, "Read an address book with PROPFIND or REPORT.", headers={"Allow": _ALLOW})
    if resource.contact is None:
        raise DavError(404, "No card with this name in this address book.")
    served = card_served(resource.contact, resource.version)
    response = HttpResponse(
        served.text, content_type=f"text/vcard; charset=utf-8; version={resource.version}"
    )
    response["ETag"] = served.etag
    return response


def _body(request: HttpRequest, limit: int) -> bytes:
    """The request body, read up to `limit` bytes: 413 past it, before more is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise DavError(413, f"A card is at most {limit:,} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise DavError(413, f"A card is at most {limit:,} bytes.")
    return body


def _put(request: HttpRequest, resource: Resource) -> HttpResponse:
    if resource.kind != "card" or resource.book is None:
        raise DavError(405, "Put a card into an address book.", headers={"Allow": _ALLOW})
    name = resource.name
    try:
        body = _body(request, MAX_CARD_BYTES)
        card, uid = card_read(body)
        stored = card_put(
            resource.user,
            resource.book,
            name,
            card,
            uid,
            # card_read has read it as UTF-8; a byte order mark, if any, stays (kept byte for byte).
            sent=body.decode("utf-8"),
            if_match=request.headers.get("If-Match"),
            if_none_match=request.headers.get("If-None-Match"),
        )
    except CardRefused as error:
        raise DavError(400, str(error)) from None
    except ValidationError as error:
        raise DavError(400, " ".join(error.messages)) from None
    except Conflict as error:
        body = error_body(CARDDAV, "no-uid-conflict") if error.status == 409 else b""
        raise DavError(error.status, str(error), body) from None
    response = HttpResponse(status=201 if stored.created else 204)
    if stored.etag is not None:
        # Kith serves this card byte for byte as sent until it changes in Kith (dav.models.PhoneCard).
        response["ETag"] = stored.etag
    return response


def _delete(request: HttpRequest, resource: Resource) -> HttpResponse:
    if resource.kind != "card" or resource.book is None:
        raise DavError(403, "Address books cannot be deleted; delete the cards in them.")
    try:
        card_delete(resource.user, resource.book, resource.name, if_match=request.headers.get("If-Match"))
    except Conflict as error:
        raise DavError(error.status, str(error)) from None
    except Contact.DoesNotExist:
        raise DavError(404, "No card with this name in this address book.") from None
    return HttpResponse(status=204)
