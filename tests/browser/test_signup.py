"""Sign-up in a real browser: the time zone menu follows the browser's own zone (kith.js), and the account
is made in it; no console errors or CSP violations."""

from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.browser


def test_signup_suggests_the_browsers_time_zone(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, timezone_id="Pacific/Auckland")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    page.goto("/accounts/signup/")
    assert page.get_by_label("Time zone").input_value() == "Pacific/Auckland"
    page.get_by_label("Username").fill("kiri")
    page.get_by_label("Email").fill("kiri@example.com")
    page.locator("#id_password1").fill("a brand new tolerable passphrase")
    page.locator("#id_password2").fill("a brand new tolerable passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{live_server.url}/")

    assert User.objects.get(username="kiri").time_zone == "Pacific/Auckland"
    assert not errors, errors
    context.close()
