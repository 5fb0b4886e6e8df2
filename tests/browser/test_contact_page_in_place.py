"""What changes in place on the contact page (htmx) keeps the whole page current, the header included,
without a console error or CSP violation (tests/browser/conftest.py fails the test on any); and Enter in the
contacts search box asks for the results once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Intention, Setting
from interactions.actions import interaction_log
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def _fading_contact(person):
    """A personal, close-circle contact last seen 45 days ago: past their 30-day cadence, so fading."""
    ana = ContactFactory(owner=person, display_name="Ana Núñez", intention=Intention.PERSONAL)
    interaction_log(
        person, [ana], occurred_at=timezone.now() - dt.timedelta(days=45), setting=Setting.INFORMAL
    )
    return ana


def _mark_window(page) -> None:
    """A value that only survives as long as the page is not reloaded or left."""
    page.evaluate("window.__kithMarker = 'still here'")


def _resize_by_hand(page, textarea) -> None:
    """Drag the textarea's corner, as a person making room for long notes does: the browser keeps the new
    size in the textarea's style attribute."""
    box = textarea.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 40, box["y"] + box["height"] + 80, steps=5)
    page.mouse.up()
    assert "height" in (textarea.get_attribute("style") or "")


def test_logging_in_place_makes_the_header_recent_with_no_console_error(desk, person, problems):
    page = desk
    ana = _fading_contact(person)
    page.goto(f"/contacts/{ana.pk}/")
    health = page.locator("#contact-standing .health")
    expect(health).to_have_text("Fading")
    _mark_window(page)
    page.get_by_text("Log an interaction").click()
    form = page.locator("form.log-form")
    notes = form.get_by_label("Notes")
    _resize_by_hand(page, notes)
    notes.fill("Coffee by the river.")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator("#timeline [role=status]")).to_contain_text("Logged")
    expect(page.locator(".timeline .moment").first).to_contain_text("Coffee by the river.")
    # The header says what a reload would say, without one.
    expect(health).to_have_text("Recent")
    expect(page.locator("#next-followup")).to_contain_text("Keep in touch")
    assert page.evaluate("window.__kithMarker") == "still here"
    assert not problems.unexpected(), problems.unexpected()


def test_changing_the_intention_in_place_brings_the_header_next_follow_up_up_to_date(desk, person, problems):
    page = desk
    ana = _fading_contact(person)
    page.goto(f"/contacts/{ana.pk}/")
    next_followup = page.locator("#next-followup")
    before = next_followup.inner_text()
    _mark_window(page)
    page.get_by_label("Intention").select_option("professional")
    expect(page.locator("#relationship [role=status]")).to_contain_text("Saved")
    expect(next_followup).not_to_have_text(before)
    shown = next_followup.inner_text()
    assert page.evaluate("window.__kithMarker") == "still here"
    page.reload()
    expect(next_followup).to_have_text(shown)
    assert not problems.unexpected(), problems.unexpected()


def test_enter_in_the_search_box_asks_for_the_results_once(desk, person, problems):
    page = desk
    ContactFactory(owner=person, display_name="Maya Patel", notes="Runs a climbing gym in Lisbon.")
    ContactFactory(owner=person, display_name="Zoe Ito", notes="Plays bass in a covers band.")
    page.goto("/contacts/")
    asked: list[str] = []
    page.on("request", lambda request: "/contacts/?" in request.url and asked.append(request.url))
    search = page.get_by_role("searchbox", name="Search")
    search.fill("climbing")
    search.press("Enter")
    results = page.locator("#results .contact-row")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Maya Patel")
    # Longer than the box's own wait (hx-trigger delay:300ms): nothing else is asked afterwards.
    page.wait_for_timeout(600)
    assert len(asked) == 1, asked
    assert not problems.unexpected(), problems.unexpected()
