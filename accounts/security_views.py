"""The pages that keep an account trustworthy: confirming an email address from its link, sending that link
again, and the Security page (recent logins, log out everywhere). Two-factor login has its own views
(accounts.twofactor_views)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.confirmations import (
    LINK_MAX_AGE,
    Requested,
    address_confirm,
    confirmation_read,
    confirmation_request,
)
from accounts.devices import device_describe, device_id, logins_recent
from accounts.pages import AuthenticatedHttpRequest
from accounts.tasks import send_address_confirmation


def confirmations_queue(request: HttpRequest, requested: Iterable[Requested]) -> None:
    """Queue the confirmation emails that were allowed, once the transaction commits, and tell the user
    what happened to each."""
    for item in requested:
        if item.row is not None:
            transaction.on_commit(partial(send_address_confirmation.delay, item.row.pk))
            messages.info(
                request,
                f"A confirmation link is on its way to {item.address}. Open it to receive digests there.",
            )
        else:
            messages.warning(
                request,
                f"No confirmation link was sent to {item.address}: several were sent already. Wait "
                f"{item.wait}, then send it again from Settings.",
            )


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(
        request,
        "accounts/address_confirm.html",
        {"refused": reason, "days": LINK_MAX_AGE.days},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def address_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a confirmation email: works without logging in (having the email is the proof), for the
    one user and address it was signed for. GET shows one button (mail scanners open links); POST
    confirms."""
    try:
        row = confirmation_read(token)
    except signing.SignatureExpired:
        return _refused(request, "expired", 410)
    except signing.BadSignature:
        return _refused(request, "invalid", 400)
    if row is None:
        return _refused(request, "gone", 404)
    if request.user.is_authenticated and request.user.pk != row.owner_id:
        return _refused(request, "other_user", 403)
    context: dict[str, object] = {"row": row, "owner": row.owner}
    if request.method == "POST":
        address_confirm(row)
        context["done"] = True
    return render(request, "accounts/address_confirm.html", context)


@login_required
@require_POST
def address_confirmation_send(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings' "send the link again", for one of the user's own addresses (any other is a 404)."""
    address = request.POST.get("address", "").strip().casefold()
    if address not in request.user.addresses():
        raise Http404("Not one of your addresses.")
    with transaction.atomic():
        confirmations_queue(request, [confirmation_request(request.user, address)])
    return redirect("settings")


@login_required
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Recent logins, newest first, with this browser marked; "log out everywhere else"."""
    this_device = device_id(request, request.user)
    logins = [
        {"login": login, "device": device_describe(login.user_agent), "here": login.device_id == this_device}
        for login in logins_recent(request.user)
    ]
    return render(request, "accounts/security.html", {"logins": logins})


@login_required
@require_POST
def logout_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every session of the user but this one: a new session secret changes the hash every session
    carries (User._get_session_auth_hash), and this session alone is given the new one."""
    request.user.sessions_end_all()
    update_session_auth_hash(request, request.user)
    messages.success(request, "Every other session is logged out. This one stays logged in.")
    return redirect("security")
