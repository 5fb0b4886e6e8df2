"""Rows kept on the phone: what the server checks of a row or an event that static/js/outbox.js queued.

A page puts its user's signed owner on <body data-outbox-owner>; the outbox stores it with every row and event
it keeps, and sends it back with them. The server saves a queued row only when that owner is the user logged
in now, so rows typed in one account are never saved into another one that later logs in on the same phone.
The signature is deterministic (no time stamp), so a page can tell its own user's rows from others' by
comparing the two strings, without asking the server.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.models import User

OWNER_SALT = "kith.interactions.outbox.owner"
# The form field a queued row or event carries its signed owner in.
OWNER_FIELD = "queued_owner"


def outbox_owner_sign(user: User) -> str:
    return signing.Signer(salt=OWNER_SALT).sign(str(user.pk))


def outbox_owner_matches(user: User, signed: str) -> bool:
    """Whether a queued row's signed owner is `user`. A forged or altered owner matches nobody."""
    try:
        return signing.Signer(salt=OWNER_SALT).unsign(signed) == str(user.pk)
    except signing.BadSignature:
        return False


def outbox_refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a row or event signed for someone other than the user logged in (None when it is theirs,
    or carries no owner): 403, marked so that static/js/outbox.js keeps it on the phone for its owner."""
    signed = request.POST.get(OWNER_FIELD)
    if signed is None or (isinstance(request.user, User) and outbox_owner_matches(request.user, signed)):
        return None
    response = HttpResponse(
        "Not saved: this was typed while someone else was logged in; it waits on the phone for them.",
        status=403,
        content_type="text/plain; charset=utf-8",
    )
    response["X-Kith-Refused"] = "owner"
    return response
