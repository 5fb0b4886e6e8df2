"""Settings > Phone sync: the address and username a phone needs, an app password made on the spot (a personal
access token, asked for with the password again like the API tokens page), and the steps for iOS and DAVx5."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.pages import AuthenticatedHttpRequest
from accounts.twofactor import ReauthForm
from dav.forms import SyncPasswordForm
from dav.models import SyncPassword
from dav.props import ROOT, principal_href
from dav.store import sync_password_create


@login_required
def phone_sync(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    created: str | None = None
    status = 200
    if request.method == "POST":
        form = SyncPasswordForm(request.POST)
        reauth = ReauthForm(request, user, request.POST)
        if form.is_valid() & reauth.is_valid():
            token, created = sync_password_create(
                user, form.cleaned_data["name"], form.cleaned_data["scope"], form.cleaned_data["books"]
            )
            messages.success(
                request, f"Made the app password “{token.name}”. Copy it now: it is not shown again."
            )
            form, reauth = SyncPasswordForm(), ReauthForm(request, user)
        else:
            status = 429 if reauth.rate_limited else 400
    else:
        form, reauth = SyncPasswordForm(), ReauthForm(request, user)
    context = {
        "form": form,
        "reauth": reauth,
        "created": created,
        "server": request.build_absolute_uri(ROOT),
        "principal": request.build_absolute_uri(principal_href(user)),
        "host": request.get_host(),
        "username": user.get_username(),
        "passwords": SyncPassword.objects.filter(token__owner=user, token__revoked_at__isnull=True)
        .select_related("token")
        .order_by("-token__created_at"),
    }
    response = render(request, "dav/phone_sync.html", context, status=status)
    # The page may hold a secret: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response
