"""The dashboards and Due in a real browser, at 375 px and 1280 px: on seeded data the numbers and the chart's
table match the data, the chart's text is readable, each person and follow-up is compact, and an empty account
shows its empty state; no console errors or CSP violations (the fixtures fail the test on any)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Intention, Purpose
from contacts.models import Contact
from demo.planner import DemoSize
from demo.seed import seed_demo
from interactions.models import Interaction
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

DASHBOARDS = [
    ("/friendships/", Purpose.PERSONAL, "Friendships"),
    ("/network/", Purpose.PROFESSIONAL, "Network"),
]


@pytest.fixture
def seeded(person):
    """The browser's user with a believable year: 80 people, 600 interactions."""
    seed_demo(
        username=person.username,
        password=PASSWORD,
        size=DemoSize(contacts=80, interactions=600, years=1),
        now=timezone.now(),
    )
    person.refresh_from_db()
    return person


def _number(page, name: str) -> int:
    return int(page.locator(f'[data-number="{name}"]').inner_text())


def _months_table(page) -> dict[str, tuple[int, int]]:
    """The chart's table, read as a screen reader would: it is folded under "Show as table"."""
    rows = {}
    for row in page.locator("#months-table tbody tr").all():
        month = row.get_attribute("data-month")
        rows[month] = (
            int(row.locator("td.personal").text_content()),
            int(row.locator("td.professional").text_content()),
        )
    return rows


def _expected_months(user) -> Counter:
    counts: Counter = Counter()
    for occurred_at, purpose in Interaction.objects.filter(owner=user).values_list("occurred_at", "purpose"):
        counts[(occurred_at.astimezone(user.zone).strftime("%Y-%m"), purpose)] += 1
    return counts


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_both_dashboards_on_seeded_data_match_the_data(request, seeded, viewport, artifacts_dir):
    page = request.getfixturevalue(viewport)
    now = timezone.now()
    expected_months = _expected_months(seeded)
    for path, purpose, title in DASHBOARDS:
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text().endswith(title)
        people = Contact.objects.filter(
            owner=seeded, archived_at__isnull=True, intention__in=[purpose, Intention.BOTH]
        ).count()
        # The last 30 and 90 days are the user's local days up to today, today included.
        today = now.astimezone(seeded.zone).date()
        days = [
            at.astimezone(seeded.zone).date()
            for at in Interaction.objects.filter(owner=seeded, purpose=purpose).values_list(
                "occurred_at", flat=True
            )
        ]
        assert _number(page, "people") == people > 0
        assert _number(page, "last-30") == sum(today - dt.timedelta(days=29) <= d <= today for d in days)
        assert _number(page, "last-90") == sum(today - dt.timedelta(days=89) <= d <= today for d in days)
        health = sum(
            int(page.locator(f'[data-health="{h}"]').inner_text()) for h in ("recent", "fading", "lapsed")
        )
        assert health == people
        table = _months_table(page)
        assert len(table) == 12
        for month, (personal, professional) in table.items():
            assert personal == expected_months[(month, Purpose.PERSONAL)]
            assert professional == expected_months[(month, Purpose.PROFESSIONAL)]
        assert sum(p + q for p, q in table.values()) > 0
        # The chart is drawn twice (wide and slim); the one that fits the screen is shown.
        assert page.locator("svg.chart-svg:visible").count() == 1
        assert page.locator("svg.chart-svg:visible rect.bar").count() == 24
        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        page.screenshot(path=str(artifacts_dir / f"dashboard-{title.lower()}-{viewport}.png"), full_page=True)
        # What the first screen shows (the README's picture of a dashboard on a phone).
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts_dir / f"dashboard-{title.lower()}-{viewport}-screen.png"))


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_an_empty_account_sees_empty_dashboards(request, person, viewport, artifacts_dir):
    page = request.getfixturevalue(viewport)
    for path, _purpose, title in DASHBOARDS:
        page.goto(path)
        assert page.locator("#empty-state").is_visible()
        for name in ("people", "last-30", "last-90", "due", "overdue"):
            assert _number(page, name) == 0
        assert set(_months_table(page).values()) == {(0, 0)}
        assert page.get_by_text("Nobody is overdue").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        page.screenshot(
            path=str(artifacts_dir / f"dashboard-{title.lower()}-empty-{viewport}.png"), full_page=True
        )
    page.goto("/balance/")
    assert page.locator("#empty-state").is_visible()


def test_balance_on_seeded_data(seeded, desk, artifacts_dir):
    desk.goto("/balance/")
    personal = int(desk.locator("#balance-table tbody td.personal").all_text_contents()[-1])
    expected = _expected_months(seeded)
    month = timezone.now().astimezone(seeded.zone).strftime("%Y-%m")
    assert personal == expected[(month, Purpose.PERSONAL)]
    assert desk.locator("table.tag-balance tbody tr").count() > 0
    desk.screenshot(path=str(artifacts_dir / "balance-desk.png"), full_page=True)


def test_log_from_the_dashboard_in_one_click(seeded, desk):
    desk.goto("/friendships/")
    desk.evaluate("window.__kithMarker = 'still here'")
    first = desk.locator("#attention li").first
    name = first.locator("a").first.inner_text()
    before = _number(desk, "last-30")
    first.get_by_role("button", name="Log a personal interaction").click()
    expect(desk.locator("#messages")).to_contain_text(f"Logged a personal interaction with {name}.")
    assert _number(desk, "last-30") == before + 1
    # In place: no reload, and the focus is back in the list acted in, on its first action.
    assert desk.evaluate("window.__kithMarker") == "still here"
    desk.wait_for_function("document.activeElement.closest('#attention') !== null")
    assert desk.evaluate("document.activeElement.textContent").startswith("Log")


def test_the_dashboard_still_logs_without_javascript(seeded, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(seeded.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/friendships/")
    first = page.locator("#attention li").first
    name = first.locator("a").first.inner_text()
    first.get_by_role("button", name="Log a personal interaction").click()
    page.wait_for_url("**/friendships/")
    expect(page.locator("#messages")).to_contain_text(f"Logged a personal interaction with {name}.")
    context.close()


# The on-screen size of each visible SVG text: its computed font size times how much its SVG is scaled (the
# drawn width over the viewBox's width).
_SVG_TEXT_SIZES = """
() => [...document.querySelectorAll("svg text")]
  .filter((text) => text.getClientRects().length > 0)
  .map((text) => {
    const svg = text.ownerSVGElement;
    const box = svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    return {text: text.textContent, px: parseFloat(getComputedStyle(text).fontSize) * scale};
  })
"""


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_charts_text_is_at_least_12_px_on_screen(request, seeded, viewport):
    page = request.getfixturevalue(viewport)
    for path in ("/friendships/", "/network/", "/balance/"):
        page.goto(path)
        sizes = page.evaluate(_SVG_TEXT_SIZES)
        assert len(sizes) >= 6, f"{path}: no axis labels drawn"
        small = [s for s in sizes if s["px"] < 12]
        assert not small, f"{path} at {viewport}: {small}"
        # The table is folded under the chart, and opens.
        table = page.locator("table.chart-table")
        assert not table.is_visible()
        page.get_by_text("Show as table").click()
        assert table.is_visible()


def test_due_and_dashboard_rows_are_compact_on_a_phone(seeded, phone, artifacts_dir):
    phone.goto("/due/")
    items = phone.locator(".due-group .followups > li")
    assert items.count() > 0
    for box in [item.bounding_box() for item in items.all()]:
        assert box["height"] < 120, box
    # One button per follow-up; snooze and dismiss wait in its menu, which opens without JavaScript.
    first = items.first
    assert first.locator("button:visible").count() == 1
    first.locator("details.menu summary").click()
    assert first.get_by_role("button", name="Snooze").is_visible()
    assert first.get_by_role("button", name="Dismiss this follow-up").is_visible()
    phone.screenshot(path=str(artifacts_dir / "due-phone.png"), full_page=True)
    for path in ("/friendships/", "/network/"):
        phone.goto(path)
        for box in [row.bounding_box() for row in phone.locator("#attention li").all()]:
            assert box["height"] < 100, (path, box)


def test_done_on_due_says_so_and_hands_the_focus_to_the_next_follow_up(seeded, phone):
    phone.goto("/due/")
    items = phone.locator(".due-group .followups > li")
    count = items.count()
    assert count > 1
    name = items.first.locator(".followup-who").inner_text()
    done = items.first.locator(".followup-actions > form button")
    assert done.inner_text().startswith("Done")
    done.click()
    expect(phone.get_by_role("status").filter(has_text="Done")).to_contain_text(name)
    expect(items).to_have_count(count - 1)
    # The focus moves once htmx has settled the new list, a moment after the swap.
    phone.wait_for_function("document.activeElement.closest('.followup-actions') !== null")
    focused = phone.evaluate("document.activeElement.textContent")
    assert focused.startswith("Done: I reached out to") and name not in focused, focused


def test_a_menu_on_the_last_row_opens_clear_of_the_tab_bar(seeded, phone):
    phone.goto("/due/")
    menu = phone.locator("details.menu").last
    menu.scroll_into_view_if_needed()
    menu.locator("summary").click()
    body = menu.locator(".menu-body")
    body.scroll_into_view_if_needed()
    box, bar = body.bounding_box(), phone.locator(".tabbar").bounding_box()
    assert box["y"] + box["height"] <= bar["y"], (box, bar)
