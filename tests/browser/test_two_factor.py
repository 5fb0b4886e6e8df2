"""Two-factor login in a real browser, as a person would use it: set it up from the key the page shows (the
code computed here from it, as an authenticator app would), log out, log in through the admin site with a
code, then with a recovery code, which then no longer works; wrong codes are refused and then rate limited.
No console errors or CSP violations on the way (the QR code is an inline <svg> without style attributes)."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _code(secret: str, drift: int = 0) -> str:
    return f"{totp(base64.b32decode(''.join(secret.split())), drift=drift):06d}"


def _log_out(page) -> None:
    page.goto(reverse("more"))
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"**{reverse('login')}")


def _password_step(page, username: str, start: str = "/accounts/login/") -> None:
    page.goto(start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{reverse('login_code')}")


def _code_step(page, code: str) -> None:
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="Log in").click()


def test_set_up_then_log_in_with_a_code_and_a_recovery_code(phone, live_server, person, problems, settings):
    settings.TWO_FACTOR_RATE_LIMIT = 4
    # A refused code answers 429, which Chromium reports on the console as a failed load.
    problems.allowed.append("status of 429")
    User.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
    page = phone
    # Django's admin pages name no icon, so Chromium asks for /favicon.ico, which Kith does not serve.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    # Set up from Settings: the QR code is there, and the key to type instead.
    page.goto(reverse("settings"))
    page.get_by_role("link", name="Two-factor login").click()
    page.get_by_role("link", name="Turn on two-factor login").click()
    qr_code = page.get_by_role("img", name="QR code to add Kith to your authenticator app")
    assert qr_code.locator("svg").count() == 1
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_code").fill(_code(secret))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor login").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    page.get_by_role("link", name="I have saved them").click()
    assert "10 of 10 recovery codes left" in page.locator("#codes-left").inner_text()

    # The admin site asks for the password, then the code; a wrong code is refused.
    _log_out(page)
    _password_step(page, person.username, start="/admin/")
    _code_step(page, "000000")
    assert "That code is not right" in page.locator("main").inner_text()
    _code_step(page, _code(secret, drift=1))
    page.wait_for_url("**/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()

    # A recovery code logs in once.
    page.goto(reverse("home"))
    _log_out(page)
    _password_step(page, person.username)
    _code_step(page, recovery[0])
    page.wait_for_url(f"{live_server.url}/")
    _log_out(page)
    _password_step(page, person.username)
    _code_step(page, recovery[0])
    assert "That code is not right" in page.locator("main").inner_text()

    # Wrong codes soon stop being checked at all, the right one included, and the page says how long to wait.
    for attempt in range(5):
        _code_step(page, f"00000{attempt}")
        if "Too many wrong codes" in page.locator("main").inner_text():
            break
    else:
        pytest.fail("five wrong codes in a row were all checked")
    _code_step(page, _code(secret, drift=1))
    assert "Too many wrong codes. Wait" in page.locator("main").inner_text()
    assert page.url.endswith(reverse("login_code"))
