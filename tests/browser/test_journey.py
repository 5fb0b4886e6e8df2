"""A new user's first evening, on a phone with touch: sign up, start an event, log three people and see them
folded, then open one of them and read their next follow-up and the latest interaction without scrolling.
No console error or CSP violation on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.browser

HEIGHT = 812
TAB_BAR_PX = 60
PASSPHRASE = "a brand new tolerable passphrase"


def _on_first_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None, "not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT - TAB_BAR_PX, box


def test_a_first_evening_on_a_phone(browser, live_server, transactional_db, artifacts_dir):
    context = browser.new_context(
        viewport={"width": 375, "height": HEIGHT},
        has_touch=True,
        is_mobile=True,
        base_url=live_server.url,
        timezone_id="Europe/Lisbon",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Email").fill("ines@example.com")
    page.locator("#id_password1").fill(PASSPHRASE)
    page.locator("#id_password2").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my account").tap()
    page.wait_for_url(f"{live_server.url}/")
    assert User.objects.filter(username="ines").exists()

    tabs = page.get_by_role("navigation", name="Tabs")
    tabs.get_by_role("link", name="Capture").tap()
    page.get_by_label("Event name").fill("Porto Design Week")
    page.get_by_label("Formal", exact=True).check()
    page.get_by_role("button", name="Start capturing").tap()
    expect(page.get_by_role("heading", name="Porto Design Week")).to_be_visible()

    people = [
        ("Rui Almeida", "type designer; wants the kerning talk"),
        ("Sofia Lopes", "runs the print studio by the river"),
        ("Tomás Reis", "hiring a design lead in spring"),
    ]
    for i, (name, note) in enumerate(people):
        blank = page.locator("#capture-rows > li").last
        blank.get_by_label("Name").tap()
        page.keyboard.type(name)
        blank.get_by_label("Context").tap()
        page.keyboard.type(note)
        page.keyboard.press("Enter")
        expect(page.locator("#capture-rows > li.is-saved").filter(has_text=name)).to_have_count(1)
        # The next blank row is there for the next person.
        expect(page.locator("#capture-rows > li")).to_have_count(i + 2)
    saved = page.locator("#capture-rows > li.is-saved")
    expect(saved).to_have_count(3)
    for i in range(3):
        box = saved.nth(i).bounding_box()
        assert box is not None and box["height"] < 72, "a saved person folds to a line or two"
    page.screenshot(path=str(artifacts_dir / "journey-capture-375.png"), caret="initial")

    # Sofia, from the contacts list: her follow-up after the meeting and the meeting itself, on one screen.
    tabs.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Contacts Search, filter, tag").tap()
    page.get_by_role("link", name="Sofia Lopes").tap()
    expect(page.get_by_role("heading", name="Sofia Lopes")).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    next_followup = page.locator("#next-followup")
    expect(next_followup).to_contain_text("after meeting", ignore_case=True)
    latest = page.locator(".timeline .moment").first
    expect(latest).to_contain_text("Porto Design Week")
    expect(latest).to_contain_text("runs the print studio")
    _on_first_screen(next_followup)
    _on_first_screen(latest)
    page.screenshot(path=str(artifacts_dir / "journey-contact-375.png"))

    # Capture is one tap away from here too.
    tabs.get_by_role("link", name="Capture").tap()
    expect(page.get_by_role("heading", name="Quick capture")).to_be_visible()
    assert not errors, errors
    context.close()
