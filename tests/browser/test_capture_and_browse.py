"""What a person does in a browser: capture people at an event on a phone, answer a duplicate warning, find
someone by a word of their note, change an intention in place, and log an interaction with two people.
Each test fails on any console error or CSP violation (tests/browser/conftest.py)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Intention, Purpose
from contacts.models import Contact
from interactions.models import Event, Interaction, Kind
from tests.browser.conftest import watch_page
from tests.factories import PASSWORD, ContactFactory, EventFactory

pytestmark = pytest.mark.browser

# The fixed tab bar at the bottom of a phone's screen (static/css/kith.css: --tabbar-height, 3.75rem).
TAB_BAR_PX = 60


@pytest.fixture
def touch_phone(browser, live_server, person, problems):
    """A logged-in page 375 px wide on a touch screen, failing the test on any console error."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, has_touch=True, is_mobile=True, base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch_page(page, problems)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert not problems.unexpected(), problems.unexpected()


def _mark_window(page) -> None:
    """A value that only survives as long as the page is not reloaded or left."""
    page.evaluate("window.__kithMarker = 'still here'")


def _window_survived(page) -> bool:
    return page.evaluate("window.__kithMarker") == "still here"


def _rows(page):
    return page.locator("#capture-rows > li")


def _saved(page):
    return page.locator("#capture-rows > li.is-saved")


def test_at_375px_create_an_event_and_add_three_people_in_a_row(touch_phone, person, artifacts_dir):
    page = touch_phone
    page.get_by_role("link", name="Capture", exact=True).tap()
    page.get_by_label("Event name").fill("Lisbon Climbing Meetup")
    page.get_by_label("Place").fill("Crux gym")
    page.get_by_label("Formal", exact=True).check()
    page.get_by_role("button", name="Start capturing").tap()
    expect(page.get_by_role("heading", name="Lisbon Climbing Meetup")).to_be_visible()
    _mark_window(page)

    people = [
        ("Ana Núñez", "runs a climbing gym; send her the grant article"),
        ("Ben Okafor", "route setter, wants the photos"),
        ("Chloé Martin", "organises the Porto trip"),
    ]
    # The name field of the blank row has the focus; the person types, moves on, saves with Enter, and
    # the focus is back in the next blank row, ready for the next name.
    expect(_rows(page).last.get_by_label("Name")).to_be_focused()
    for i, (name, context) in enumerate(people):
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(context)
        page.keyboard.press("Enter")
        expect(_rows(page).nth(i).locator("[data-row-status]")).to_contain_text("Saved")
        expect(_rows(page).last.get_by_label("Name")).to_be_focused()
        expect(_rows(page)).to_have_count(i + 2)
        # The row being typed sits where the thumb is: at the bottom of the screen, above the tab bar.
        blank = _rows(page).last.bounding_box()
        assert blank is not None
        assert blank["y"] >= 0, "the top of the blank row (its name field) is on the screen"
        assert blank["y"] + blank["height"] <= 812 - TAB_BAR_PX, "the blank row is clear of the tab bar"

    assert _window_survived(page), "the page must not reload between people"
    event = Event.objects.get(owner=person)
    assert event.setting == "formal"
    met = Interaction.objects.filter(owner=person, event=event, kind=Kind.MET)
    assert sorted(c.display_name for i in met for c in i.contacts.all()) == sorted(n for n, _ in people)
    assert {i.purpose for i in met} == {Purpose.PROFESSIONAL}

    # Each saved person folds to one line: name, note and intention, without the form's fields.
    expect(_saved(page)).to_have_count(3)
    for i, (name, context) in enumerate(people):
        row = _saved(page).nth(i)
        line = row.locator("summary.row-line")
        expect(line).to_contain_text(name)
        expect(line).to_contain_text(context[:10])
        expect(line).to_contain_text("Professional")
        expect(row.get_by_label("Name")).to_be_hidden()
        box = row.bounding_box()
        assert box is not None and box["height"] < 72, f"{name}'s row is {box} tall"

    # A folded row opens to be corrected (the second person's intention), and folds again once saved.
    second = _saved(page).nth(1)
    second.locator("summary.row-line").tap()
    expect(second.get_by_label("Name")).to_be_visible()
    second.get_by_text("Both", exact=True).tap()
    second.get_by_role("button", name="Save changes").tap()
    second = _saved(page).nth(1)
    expect(second.locator("[data-row-status]")).to_contain_text("Saved")
    expect(second.locator("summary.row-line")).to_contain_text("Both")
    expect(second.get_by_label("Name")).to_be_hidden()
    assert Contact.objects.get(display_name="Ben Okafor").intention == Intention.BOTH
    box = second.bounding_box()
    assert box is not None and box["height"] < 72
    assert _window_survived(page)
    # Last: Playwright's screenshot leaves style="" on inputs, which htmx's settle would copy (CSP).
    page.screenshot(path=str(artifacts_dir / "capture-375.png"), full_page=True, caret="initial")


def test_the_duplicate_warning_follows_the_name_typed_with_pauses(touch_phone, person):
    """Every pause in typing asks again, after an empty answer too: the warning appears, changes to
    another known person, and goes away for a new name."""
    page = touch_phone
    ContactFactory(owner=person, display_name="Priya Raman", company="Tessera")
    ContactFactory(owner=person, display_name="Ben Okafor")
    event = EventFactory(owner=person, name="Demo day", setting="formal", start_date=timezone.localdate())
    page.goto(f"/capture/{event.pk}/")
    row = _rows(page).last
    name = row.get_by_label("Name")
    warning = row.locator(".duplicate-warning")

    def pause_after(typing) -> None:
        with page.expect_response(lambda r: "/contacts/duplicates/" in r.url):
            typing()

    pause_after(lambda: name.press_sequentially("Pri", delay=40))
    expect(warning).to_have_count(0)
    pause_after(lambda: name.press_sequentially("ya", delay=40))
    expect(warning).to_contain_text("Priya Raman")
    same = warning.get_by_role("button", name="Same person (link this meeting to them)")
    expect(same).to_be_visible()
    # It is brought into view above the tab bar, where it can be seen and tapped.
    page.wait_for_function(
        "() => { const b = document.querySelector('.duplicate-warning button').getBoundingClientRect();"
        " return b.top >= 0 && b.bottom <= innerHeight - 60; }"
    )

    pause_after(lambda: name.fill("Ben Okafor"))
    expect(warning).to_contain_text("Ben Okafor")
    expect(warning).not_to_contain_text("Priya")

    pause_after(lambda: name.fill("Quentin Nobody"))
    expect(warning).to_have_count(0)
    pause_after(lambda: name.fill("Priya Raman"))
    expect(warning).to_contain_text("Priya Raman")


def test_a_known_person_gets_a_duplicate_warning_and_the_meeting_is_linked_to_them(phone, person):
    page = phone
    ana = ContactFactory(owner=person, display_name="Ana Núñez", company="Crux")
    event = EventFactory(
        owner=person, name="Board games night", setting="informal", start_date=timezone.localdate()
    )
    page.goto(f"/capture/{event.pk}/")
    row = _rows(page).last
    row.get_by_label("Name").fill("ana nunez")
    warning = row.locator(".duplicate-warning")
    expect(warning).to_contain_text("Ana Núñez")
    warning.get_by_role("button", name="Same person (link this meeting to them)").click()
    expect(_rows(page).first.locator("[data-row-status]")).to_contain_text("Saved")
    assert Contact.objects.filter(owner=person).count() == 1
    met = Interaction.objects.get(owner=person, event=event)
    assert list(met.contacts.all()) == [ana]


def test_a_row_that_fails_to_save_says_so_and_is_saved_by_the_retry(phone, person, problems):
    page = phone
    # The failed request is logged by Chromium and by htmx; nothing else may be.
    problems.allowed += ["net::ERR_FAILED", "htmx:sendError", "htmx:afterRequest"]
    event = EventFactory(
        owner=person, name="Rooftop party", setting="informal", start_date=timezone.localdate()
    )
    page.goto(f"/capture/{event.pk}/")
    failed = []

    def flaky(route):
        if route.request.method == "POST" and not failed:
            failed.append(route.request.url)
            route.abort("failed")
        else:
            route.continue_()

    page.route(re.compile(r".*/capture/\d+/$"), flaky)
    row = _rows(page).first
    row.get_by_label("Name").fill("Dara Quinn")
    row.get_by_role("button", name="Save person").click()
    status = _rows(page).first.locator("[data-row-status]")
    expect(status).to_contain_text("Not saved")
    # The person can go on with the next one while the row waits for the network.
    expect(_rows(page).last.get_by_label("Name")).to_be_focused()
    expect(status).to_contain_text("Saved", timeout=8_000)
    assert failed, "the first POST was aborted"
    assert list(Contact.objects.filter(owner=person).values_list("display_name", flat=True)) == ["Dara Quinn"]


def test_find_a_person_by_a_word_of_their_note(desk, person):
    page = desk
    ContactFactory(owner=person, display_name="Maya Patel", notes="Runs a climbing gym in Lisbon.")
    ContactFactory(owner=person, display_name="Zoe Ito", notes="Plays bass in a covers band.")
    page.goto("/contacts/")
    _mark_window(page)
    page.get_by_role("searchbox", name="Search").fill("climbing")
    results = page.locator("#results .contact-row")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Maya Patel")
    expect(page).to_have_url(re.compile(r"\?q=climbing"))
    assert _window_survived(page), "the results change in place"
    # The address keeps the search: a reload shows the same list.
    page.reload()
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("climbing")
    expect(page.locator("#results .contact-row")).to_have_count(1)


def test_change_an_intention_in_place(desk, person):
    page = desk
    ana = ContactFactory(owner=person, display_name="Ana Núñez", intention=Intention.PERSONAL)
    page.goto(f"/contacts/{ana.pk}/")
    _mark_window(page)
    intention = page.get_by_label("Intention")
    intention.focus()
    intention.select_option("professional")
    expect(page.locator("#relationship [role=status]")).to_contain_text("Saved")
    expect(page.get_by_label("Intention")).to_be_focused()
    assert _window_survived(page)
    ana.refresh_from_db()
    assert ana.intention == Intention.PROFESSIONAL


def test_log_an_interaction_with_two_people_and_see_it_on_both_timelines(desk, person, artifacts_dir):
    page = desk
    ana = ContactFactory(
        owner=person, display_name="Ana Núñez", intention=Intention.PROFESSIONAL, company="Crux"
    )
    ben = ContactFactory(owner=person, display_name="Ben Okafor", intention=Intention.PERSONAL)
    chloe = ContactFactory(owner=person, display_name="Chloé Martin", intention=Intention.PROFESSIONAL)
    ContactFactory.create_batch(40, owner=person)
    summit = EventFactory(owner=person, name="Lisbon Summit")
    page.goto(f"/contacts/{ana.pk}/")
    _mark_window(page)
    # The log form is folded until opened.
    form = page.locator("form.log-form")
    expect(form).to_be_hidden()
    page.get_by_text("Log an interaction").click()
    form.get_by_label("Kind").select_option("meal")
    form.get_by_label("Setting").select_option("formal")
    form.get_by_label("Event", exact=True).select_option(
        label=f"Lisbon Summit ({summit.start_date.day} {summit.start_date:%b %Y})"
    )
    # "Also with" searches the server; a person ticked stays ticked and in view while searching again.
    expect(form.get_by_label("People you saw most recently")).to_be_hidden()
    search = form.get_by_label("Find someone by name")
    search.fill("okafor")
    form.get_by_label("Ben Okafor").check()
    search.fill("chloe")
    form.get_by_label("Chloé Martin").check()
    search.fill("nobody by this name")
    expect(form.locator(".picker-results")).to_contain_text("No one found")
    expect(form.get_by_label("Ben Okafor")).to_be_checked()
    expect(form.get_by_label("Chloé Martin")).to_be_checked()
    form.get_by_label("Notes").fill("Lunch after the keynote; Ben wants the deck too.")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator("#timeline [role=status]")).to_contain_text("Logged")
    moment = page.locator(".timeline .moment").first
    expect(moment).to_contain_text("Lunch after the keynote")
    expect(moment).to_contain_text("Professional")
    expect(moment).to_contain_text("Lisbon Summit")
    assert _window_survived(page)
    page.screenshot(path=str(artifacts_dir / "contact-page-1280.png"), full_page=True)

    page.goto(f"/contacts/{ben.pk}/")
    expect(page.locator(".timeline .moment").first).to_contain_text("Lunch after the keynote")
    expect(page.locator(".timeline .moment").first).to_contain_text("Ana Núñez")
    interaction = Interaction.objects.get(owner=person)
    assert set(interaction.contacts.all()) == {ana, ben, chloe}
    assert (interaction.event, interaction.purpose) == (summit, Purpose.PROFESSIONAL)
