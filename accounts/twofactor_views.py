"""The pages of two-factor login: the login's code step, and the Two-factor login page of Settings with its
set-up, new recovery codes and turn-off steps. accounts.twofactor holds the rules; these only show forms.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.pages import AuthenticatedHttpRequest
from accounts.twofactor import (
    PENDING_SECONDS,
    RECOVERY_CODE_COUNT,
    CodeForm,
    ReauthForm,
    login_pending_finish,
    login_pending_started,
    login_pending_user,
    recovery_codes_left,
    recovery_codes_make,
    totp_device,
    totp_qr_svg,
    totp_secret,
    totp_setup_start,
    two_factor_disable,
    two_factor_enable,
    two_factor_enabled,
)


def _status(form: CodeForm | ReauthForm) -> int:
    return 429 if form.rate_limited else 200


@never_cache
@sensitive_post_parameters("code")
def login_code(request: HttpRequest) -> HttpResponse:
    """The login's second step, after the right password: a code from the app or a recovery code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    started = login_pending_started(request)
    user = login_pending_user(request)
    if user is None:
        if started:
            minutes = PENDING_SECONDS // 60
            messages.info(
                request, f"That took more than {minutes} minutes: log in again, then enter a new code."
            )
        return redirect("login")
    form = CodeForm(request, user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        assert form.device is not None
        return redirect(login_pending_finish(request, user, form.device))
    return render(request, "accounts/login_code.html", {"form": form}, status=_status(form))


@login_required
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings' Two-factor login page: whether it is on, the recovery codes left, what to do next."""
    device = totp_device(request.user)
    context = {
        "device": device,
        "codes_left": recovery_codes_left(request.user) if device else 0,
        "code_count": RECOVERY_CODE_COUNT,
    }
    return render(request, "accounts/two_factor.html", context)


@login_required
@sensitive_post_parameters("password", "code")
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then confirm with the password and a first code; only then is it
    on, and the recovery codes are shown, once."""
    if two_factor_enabled(request.user):
        return redirect("two_factor")
    device = totp_setup_start(request.user)
    form = ReauthForm(request, request.user, request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = two_factor_enable(request, request.user, device)
        context = {"codes": codes, "first_time": True}
        return render(request, "accounts/two_factor_codes.html", context)
    context = {"form": form, "qr_svg": totp_qr_svg(device), "secret": totp_secret(device)}
    return render(request, "accounts/two_factor_setup.html", context, status=_status(form))


@login_required
@sensitive_post_parameters("password", "code")
def two_factor_recovery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes, replacing the old ones, after the password and a code."""
    if not two_factor_enabled(request.user):
        return redirect("two_factor")
    form = ReauthForm(request, request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = recovery_codes_make(request.user)
        return render(request, "accounts/two_factor_codes.html", {"codes": codes, "first_time": False})
    return render(request, "accounts/two_factor_recovery.html", {"form": form}, status=_status(form))


@login_required
@sensitive_post_parameters("password", "code")
def two_factor_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turn two-factor login off, after the password and a code."""
    if not two_factor_enabled(request.user):
        return redirect("two_factor")
    form = ReauthForm(request, request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_factor_disable(request.user)
        messages.success(request, "Two-factor login is off. Logging in now asks for your password only.")
        return redirect("two_factor")
    return render(request, "accounts/two_factor_off.html", {"form": form}, status=_status(form))
