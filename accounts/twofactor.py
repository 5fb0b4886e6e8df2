"""Two-factor login: a code from an authenticator app (TOTP, RFC 6238) or a one-time recovery code, asked for
after the password.

The devices are django-otp's: a `TOTPDevice` holds the app's secret and a `StaticDevice` the recovery codes
(`StaticToken` rows, each deleted when used). Two-factor login is on for a user who has a confirmed
`TOTPDevice`; one is confirmed only once a first code from the app was right, so a QR code scanned badly never
locks anyone out.

Logging in with two-factor login on takes two requests. The password step keeps only the pending user's id
(and where to go next) in the session, for `PENDING_SECONDS`; the code step calls Django's `login()` once the
code is right. Until then the visitor is not logged in at all, so `user_logged_in` always means a full login.

Every code typed anywhere (log in, turning it off, new recovery codes) is counted per user and per client
address by `two_factor_limit` before it is checked; the right code gives its attempt back. That is the only
throttle: django-otp's own back-off is off in settings.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import KithForm, password_recheck
from accounts.models import User
from accounts.ratelimit import RateLimit, client_ip

RECOVERY_CODE_COUNT = 10
# How long the code step waits after the password step before the visitor must start again.
PENDING_SECONDS = 5 * 60
_PENDING = "twofactor_pending"
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def two_factor_limit() -> RateLimit:
    """Codes tried, per user and per client address (settings are read at call time)."""
    return RateLimit("twofactor", settings.TWO_FACTOR_RATE_LIMIT, settings.TWO_FACTOR_RATE_WINDOW)


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if two-factor login is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def totp_setup_start(user: User) -> TOTPDevice:
    """The authenticator app being set up: a new secret the first time, the same one while the user has not
    confirmed it yet (so reloading the page does not change the QR code they may already have scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The secret as an app's "enter a setup key" expects it: base 32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The setup QR code as an inline <svg>. segno draws it with presentation attributes only (no style
    attribute, which the CSP would block): dark modules on a white square, so it scans in dark mode too."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", border=4, omitsize=False)
    # segno's own markup, drawn from the device's URL: nothing in it was typed by a user.
    return mark_safe(svg)


def recovery_codes_make(user: User) -> list[str]:
    """A fresh set of recovery codes, replacing any the user had; the only time they are ever shown."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


@transaction.atomic
def two_factor_enable(request: HttpRequest, user: User, device: TOTPDevice) -> list[str]:
    """Turn two-factor login on with the app whose first code was just right; return the recovery codes.
    This browser's session counts as having passed the second factor (it just did)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_make(user)
    otp_login(request, device)
    return codes


@transaction.atomic
def two_factor_disable(user: User) -> tuple[int, int]:
    """Remove every device of the user: two-factor login is off. Returns (apps, recovery codes) removed."""
    apps = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    codes = recovery_codes_left(user)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).delete()
    return apps, codes


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").casefold()


def code_verify(user: User, code: str, device: TOTPDevice | None = None) -> Device | None:
    """The device that accepts `code`: the user's app for six digits, else one of their recovery codes
    (which is used up). With `device`, only that app is tried (the one being set up). The devices are locked
    for the check, so one code cannot be used twice by two requests at once."""
    code = _normalised(code)
    if not code:
        return None
    if device is not None:
        devices = TOTPDevice.objects.filter(pk=device.pk, user=user)
    elif code.isdigit() and len(code) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for candidate in devices.select_for_update():
            if candidate.verify_token(code):
                return candidate
    return None


def code_check(request: HttpRequest, user: User, code: str, device: TOTPDevice | None = None) -> Device:
    """`code_verify` behind the rate limit: each attempt counts for the user and the client address before
    the code is tried; the right code clears the user's count and gives the address its attempt back (so one
    account the attacker owns cannot reset the limit for others). Raises ValidationError otherwise."""
    limit = two_factor_limit()
    user_key = f"user:{user.pk}"
    keys = [user_key, f"ip:{client_ip(request)}"]
    if not limit.claim(*keys):
        raise ValidationError(
            "Too many wrong codes. Wait %(wait)s and try again.",
            code="rate_limited",
            params={"wait": limit.wait_text()},
        )
    verified = code_verify(user, code, device)
    if verified is None:
        raise ValidationError(
            "That code is not right. Check your app's current code, or use a recovery code.",
            code="code_incorrect",
        )
    limit.clear(user_key)
    limit.refund(*keys[1:])
    return verified


# The login's two steps.


def login_pending_start(request: HttpRequest, user: User, next_url: str) -> None:
    """After the right password: remember who is logging in, not logged in yet. A new session key, so a
    session id planted before the password step is worth nothing after it."""
    request.session.cycle_key()
    request.session[_PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "until": time.time() + PENDING_SECONDS,
    }


def login_pending_started(request: HttpRequest) -> bool:
    """Whether this session passed a password step whose code step has not ended (it may have expired)."""
    return _PENDING in request.session


def login_pending_user(request: HttpRequest) -> User | None:
    """The user whose password was right in this session a moment ago, or None (none, or too long ago)."""
    pending = request.session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    if pending.get("until", 0) < time.time():
        del request.session[_PENDING]
        return None
    user_id = pending.get("user")
    return User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None


def login_pending_finish(request: HttpRequest, user: User, device: Device) -> str:
    """Log in for real, with the device that gave the right code; return where to go next."""
    pending = request.session.pop(_PENDING)
    # django-otp's user_logged_in receiver records the device in the session, marking it as verified.
    user.otp_device = device  # type: ignore[attr-defined]
    auth_login(request, user, backend=pending["backend"])
    next_url = pending.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


# Forms.


def _code_field() -> forms.CharField:
    return forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class CodeForm(KithForm):
    """The login's second step: one code, checked for `user` behind the rate limit."""

    code = forms.CharField()  # replaced in __init__

    def __init__(self, request: HttpRequest, user: User, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user = user
        self.device: Device | None = None
        self.rate_limited = False
        super().__init__(*args, **kwargs)
        self.fields["code"] = _code_field()
        self.fields["code"].widget.attrs["autofocus"] = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        try:
            self.device = code_check(self.request, self.user, code)
        except ValidationError as error:
            self.rate_limited = error.code == "rate_limited"
            raise
        return code


class ReauthForm(KithForm):
    """Asks again for the password and, when two-factor login is on, a current code: for what a borrowed,
    still logged-in browser must not do alone (turn two-factor login off, make new recovery codes, and later
    make an API token). With `device`, the code must come from that app (the one being set up).

    The code is only checked once the password is right, so a session without the password cannot use this
    form to try codes; codes count towards the same limit as at login."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self,
        request: HttpRequest,
        user: User,
        *args: Any,
        device: TOTPDevice | None = None,
        **kwargs: Any,
    ) -> None:
        self.request = request
        self.user = user
        self.setup_device = device
        self.device: Device | None = None
        self.rate_limited = False
        super().__init__(*args, **kwargs)
        if device is not None or two_factor_enabled(user):
            self.fields["code"] = _code_field()
            if device is not None:
                self.fields["code"].help_text = "The 6-digit code your authenticator app shows now."

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        password = cleaned_data.get("password")
        if password is None:
            return cleaned_data
        try:
            password_recheck(self.user, password, self.request)
        except ValidationError as error:
            self.rate_limited = error.code == "rate_limited"
            self.add_error("password", error)
            return cleaned_data
        if "code" in self.fields and cleaned_data.get("code"):
            try:
                self.device = code_check(self.request, self.user, cleaned_data["code"], self.setup_device)
            except ValidationError as error:
                self.rate_limited = error.code == "rate_limited"
                self.add_error("code", error)
        return cleaned_data
