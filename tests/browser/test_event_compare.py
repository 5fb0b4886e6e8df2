"""Which events were worth it, in a real browser at 375 px and 1280 px: on the demo's believable year the
Events page's table shows each event's cohort as interactions.cohorts counts it, an event's page shows its
own, and neither page is wider than the screen (no console errors or CSP violations: the fixtures fail the
test on any). Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from demo.planner import DemoSize
from demo.seed import seed_demo
from followups.engine import user_today
from interactions.cohorts import event_cohorts
from interactions.models import Event
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(person):
    seed_demo(
        username=person.username,
        password=PASSWORD,
        size=DemoSize(contacts=60, interactions=400, years=1),
        now=timezone.now(),
    )
    person.refresh_from_db()
    return person


def _shown(cohort_numbers: dict[str, str]) -> dict[str, str]:
    return {name: " ".join(value.split()) for name, value in cohort_numbers.items()}


def _expected(cohort) -> dict[str, str]:
    numbers = {"met": str(cohort.met), "week": str(cohort.followed_up)}
    for mark in cohort.marks:
        numbers[f"months-{mark.months}"] = "not yet" if mark.count is None else str(mark.count)
    numbers |= {"lasting": str(cohort.lasting), "changed": str(cohort.intention_changed)}
    return numbers


def _read(locator) -> dict[str, str]:
    return _shown(
        {
            cell.get_attribute("data-cohort"): cell.inner_text()
            for cell in locator.locator("[data-cohort]").all()
        }
    )


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_events_page_shows_each_cohort_and_fits_the_screen(request, seeded, artifacts_dir, viewport):
    page = request.getfixturevalue(viewport)
    page.goto("/events/compare/")
    cohorts = event_cohorts(
        seeded, Event.objects.filter(owner=seeded).values_list("pk", flat=True), user_today(seeded)
    )
    checked = 0
    for purpose in ("personal", "professional"):
        for row in page.locator(f"#events-{purpose}-table tbody tr").all():
            pk = int(row.get_attribute("data-event"))
            (cohort,) = [c for c in cohorts[pk] if c.purpose == purpose]
            assert _read(row) == _expected(cohort)
            checked += 1
    assert checked
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.screenshot(path=str(artifacts_dir / f"events-compare-{viewport}.png"), full_page=True)

    busiest = (
        Event.objects.filter(owner=seeded).annotate(n=Count("interactions")).order_by("-n", "pk").first()
    )
    page.goto(f"/events/{busiest.pk}/")
    for cohort in cohorts[busiest.pk]:
        assert _read(page.locator(f'[data-cohort-purpose="{cohort.purpose}"]')) == _expected(cohort)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.screenshot(path=str(artifacts_dir / f"event-cohort-{viewport}.png"), full_page=True)
