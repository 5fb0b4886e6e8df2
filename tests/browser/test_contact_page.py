"""The contact page on a phone: who the person is, their next follow-up and the latest interaction are read
without scrolling; the log form is folded until opened and its "also with" works without JavaScript too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Intention, Purpose, Setting
from interactions.actions import interaction_log
from interactions.models import Interaction, Kind
from tests.factories import PASSWORD, ContactFactory, EmailAddressFactory, EventFactory, FollowUpFactory

pytestmark = pytest.mark.browser

# The phone's viewport is 812 px tall; the tab bar covers about its last 60 px.
FIRST_SCREEN_BOTTOM = 812 - 60


def _busy_contact(person):
    ana = ContactFactory(
        owner=person,
        display_name="Ana Núñez-Villanueva",
        intention=Intention.BOTH,
        company="Crux Climbing Cooperative",
        title="Head route setter",
    )
    EmailAddressFactory(contact=ana, address="ana.nunez-villanueva.climbing@a-very-long-domain.example.org")
    summit = EventFactory(owner=person, name="Lisbon Climbing Business Summit")
    now = timezone.now()
    for days_ago in (40, 25, 12, 6):
        interaction_log(
            person,
            [ana],
            occurred_at=now - dt.timedelta(days=days_ago),
            kind=Kind.MEAL,
            purpose=Purpose.PERSONAL,
            setting=Setting.INFORMAL,
            notes=f"Lunch {days_ago} days ago: talked about the Porto trip and her new gym.",
        )
    interaction_log(
        person,
        [ana],
        occurred_at=now - dt.timedelta(days=1),
        kind=Kind.MET,
        purpose=Purpose.PROFESSIONAL,
        setting=Setting.FORMAL,
        event=summit,
        notes="Wants the grant article and an intro to the Brightline team before Friday.",
    )
    FollowUpFactory(contact=ana, purpose=Purpose.PROFESSIONAL, note="send the grant article")
    return ana


def _within_first_screen(page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= FIRST_SCREEN_BOTTOM, box


def test_at_375px_the_next_follow_up_and_the_latest_interaction_need_no_scrolling(
    phone, person, artifacts_dir
):
    page = phone
    ana = _busy_contact(person)
    page.goto(f"/contacts/{ana.pk}/")
    assert page.evaluate("window.scrollY") == 0
    next_followup = page.locator("#next-followup")
    expect(next_followup).to_contain_text("send the grant article")
    latest = page.locator(".timeline .moment").first
    expect(latest).to_contain_text("Wants the grant article")
    _within_first_screen(page, page.get_by_role("heading", name="Ana Núñez-Villanueva"))
    _within_first_screen(page, next_followup)
    _within_first_screen(page, latest)
    # Nothing runs past the screen's edge, the long email address included.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    email = page.locator(".details-list a[href^=mailto]")
    email.scroll_into_view_if_needed()
    box = email.bounding_box()
    assert box["x"] + box["width"] <= 375
    assert email.get_attribute("title") == "ana.nunez-villanueva.climbing@a-very-long-domain.example.org"
    page.screenshot(path=str(artifacts_dir / "contact-page-375.png"), full_page=True)


def test_at_375px_the_log_form_opens_and_logs_with_a_person_found_by_search(phone, person):
    page = phone
    ana = _busy_contact(person)
    ben = ContactFactory(owner=person, display_name="Ben Okafor", intention=Intention.PERSONAL)
    page.goto(f"/contacts/{ana.pk}/")
    page.get_by_text("Log an interaction").click()
    form = page.locator("form.log-form")
    form.get_by_label("Find someone by name").fill("okafor")
    form.get_by_label("Ben Okafor").check()
    form.get_by_label("Notes").fill("Coffee by the river.")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator("#timeline [role=status]")).to_contain_text("Logged")
    expect(page.locator(".timeline .moment").first).to_contain_text("Coffee by the river.")
    expect(form).to_be_hidden()
    assert ben in Interaction.objects.get(notes="Coffee by the river.").contacts.all()


def test_at_375px_a_past_remind_me_date_comes_back_with_the_error_under_it(phone, person):
    page = phone
    ana = _busy_contact(person)
    page.goto(f"/contacts/{ana.pk}/")
    form = page.locator("form.remind-form")
    form.get_by_label("Remind me on").fill("2020-01-01")
    form.get_by_label("About").fill("send the deck")
    form.get_by_role("button", name="Remind me").click()
    date = form.get_by_label("Remind me on")
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#remind-on-{ana.pk}-err")).to_have_text("Choose today or a later date.")
    expect(date).to_be_focused()
    expect(form.get_by_label("About")).to_have_value("send the deck")
    expect(page.locator("#contact-followups")).to_contain_text("send the grant article")


def test_without_javascript_also_with_is_a_plain_select(browser, live_server, person, artifacts_dir):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    ana = _busy_contact(person)
    ben = ContactFactory(owner=person, display_name="Ben Okafor")
    page.goto(f"/contacts/{ana.pk}/")
    page.get_by_text("Log an interaction").click()
    form = page.locator("form.log-form")
    expect(form.get_by_label("Find someone by name")).to_be_hidden()
    form.get_by_label("People you saw most recently").select_option(label="Ben Okafor")
    form.get_by_label("Notes").fill("Tea without JavaScript.")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator(".timeline .moment").first).to_contain_text("Tea without JavaScript.")
    assert set(Interaction.objects.get(notes="Tea without JavaScript.").contacts.all()) == {ana, ben}
    context.close()
