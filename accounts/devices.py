"""Logins and the browsers they come from: the Security page's recent logins and the new-device email.

A browser is known by a long-lived signed cookie set at each login, holding the user's id and a random device
id. A login from a browser without that cookie for this user is a new device: it is recorded as one and,
when the user has a confirmed address, told to them by email with a link to the Security page, where they can
log out everywhere else. `user_logged_in` means a full login (with two-factor login on, Django's `login()` is
called only after the second factor), so that is when a login is recorded (accounts.receivers).

The client address is kept coarse, a /24 (IPv4) or /48 (IPv6) network: enough to tell "at home" from "on
another continent", not enough to single anyone out. Only the last KEEP logins of a user are kept.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.confirmations import address_alerts
from accounts.display import date_style_override
from accounts.emails import email_make, email_send
from accounts.models import LoginRecord, User
from accounts.ratelimit import client_ip

DEVICE_COOKIE = "kith_device"
_SALT = "kith.device"
# Browsers keep a cookie at most 400 days; each login renews it.
COOKIE_MAX_AGE = 400 * 24 * 60 * 60
KEEP = 20

# (pattern, name), first match wins: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = [
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
]
_SYSTEMS = [
    (r"iPhone|iPad|iPod", "iOS"),
    (r"Android", "Android"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
]


def device_describe(user_agent: str) -> str:
    """The browser and system a User-Agent header names ("Firefox on Linux"); "Unknown browser" when it
    names none Kith knows."""

    def first(table: list[tuple[str, str]]) -> str | None:
        return next((name for pattern, name in table if re.search(pattern, user_agent)), None)

    browser, system = first(_BROWSERS), first(_SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown browser")


def network_coarse(address: str) -> str:
    """The network an address is in, coarsely: 203.0.113.0/24, 2001:db8:1::/48; "" when it is not one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def device_id(request: HttpRequest, user: User) -> str | None:
    """The device id of this browser's cookie when it was set at a login of `user`; None otherwise (no
    cookie, another user's, tampered with, or older than the cookie may live)."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=_SALT, max_age=COOKIE_MAX_AGE)
    if not value:
        return None
    owner, _, device = value.partition(":")
    return device if owner == str(user.pk) and device else None


def login_record(user: User, request: HttpRequest, now: dt.datetime | None = None) -> LoginRecord:
    """Record a login: when, which browser, from which network, and whether the browser is new for this
    user. The response carries the device cookie (DeviceCookieMiddleware), renewed for another 400 days.
    Logins beyond the last KEEP are forgotten."""
    now = now or timezone.now()
    known = device_id(request, user)
    record = LoginRecord.objects.create(
        owner=user,
        at=now,
        device_id=known or secrets.token_hex(8),
        user_agent=request.headers.get("User-Agent", "")[:300],
        network=network_coarse(client_ip(request)),
        new_device=known is None,
    )
    request.kith_device_cookie = f"{user.pk}:{record.device_id}"  # type: ignore[attr-defined]
    old = LoginRecord.objects.filter(owner=user).order_by("-at", "-pk").values_list("pk", flat=True)[KEEP:]
    LoginRecord.objects.filter(pk__in=list(old)).delete()
    return record


def logins_recent(user: User) -> list[LoginRecord]:
    return list(LoginRecord.objects.filter(owner=user).order_by("-at", "-pk")[:KEEP])


def new_device_email_send(login_id: int) -> str:
    """Tell the user about a login from a new device, at their confirmed address; returns "sent", "no
    confirmed address" or "gone"."""
    record = LoginRecord.objects.select_related("owner").filter(pk=login_id).first()
    if record is None:
        return "gone"
    user = record.owner
    to = address_alerts(user)
    if to is None:
        return "no confirmed address"
    context = {
        "user": user,
        "login": record,
        "device": device_describe(record.user_agent),
        "security_url": settings.SITE_URL + reverse("security"),
        "password_url": settings.SITE_URL + reverse("password_change"),
    }
    with date_style_override(user.date_style), timezone.override(user.zone):
        email_send(email_make("new-device", to, context))
    return "sent"


class DeviceCookieMiddleware:
    """Sets the device cookie on the response to a login (login_record says which)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(request, "kith_device_cookie", None)
        if value:
            response.set_signed_cookie(
                DEVICE_COOKIE,
                value,
                salt=_SALT,
                max_age=COOKIE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
