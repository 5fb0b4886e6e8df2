"""The API's pages: its reference (Swagger UI), and the settings page for personal access tokens: list, make
(shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accounts.ownership import get_owned_or_404, owned
from accounts.pages import AuthenticatedHttpRequest
from accounts.twofactor import ReauthForm
from api.forms import TokenForm
from api.models import AccessToken
from api.tokens import token_create, token_revoke


@login_required
def docs(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The API's reference, drawn by the vendored Swagger UI from /api/openapi.json."""
    return render(request, "api/docs.html")


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's tokens and a form to make one. Making one asks for the password again (and a code when
    two-factor login is on): a borrowed, still logged-in browser must not mint itself lasting access. The new
    token is shown on the answer to that POST and nowhere else, ever."""
    user = request.user
    created: str | None = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        reauth = ReauthForm(request, user, request.POST)
        if form.is_valid() & reauth.is_valid():
            token, created = token_create(user, form.cleaned_data["name"], form.cleaned_data["scope"])
            messages.success(request, f"Made the token “{token.name}”. Copy it now: it is not shown again.")
            form, reauth = TokenForm(), ReauthForm(request, user)
        else:
            status = 429 if reauth.rate_limited else 400
    else:
        form, reauth = TokenForm(), ReauthForm(request, user)
    context = {
        "form": form,
        "reauth": reauth,
        "created": created,
        "tokens": owned(AccessToken, user).order_by("revoked_at", "-created_at", "-id"),
    }
    response = render(request, "api/tokens.html", context, status=status)
    # The page may hold a secret: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def token_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Ownership before the method: another user's id is a 404 whatever the method.
    token = get_owned_or_404(AccessToken, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    token_revoke(token)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("api_tokens")
