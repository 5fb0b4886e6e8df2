"""Every page of Kith, found in the URLconf (tests/browser/pages.py), opened in a real browser at 375 px and
1280 px and checked for what a person would notice: the page is wider than the screen, text smaller than 12 px
as drawn (SVG text shrunk by its viewBox counts), raw template syntax in the visible text, console errors and
CSP violations; at 375 px axe-core finds no serious or critical violation either. Screenshots go to
var/screenshots/<url name>-<account>-<width>.png.

Three accounts open them: a seeded one (the demo's believable year, smaller) opens every page that needs a
login, with ids filled from its own data; an empty one (a new user) opens those without ids; a visitor, logged
out, opens the log-in, sign-up, password reset and email link pages. Every problem on every page is collected
and the test fails once, at the end, with one line per page and problem.

Two plain tests keep the catalogue honest without a browser: every URL pattern is placed (a page, or not a
page with the reason), and what it says is so (pages answer a whole HTML document, the others do not).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from demo.planner import DemoSize
from demo.seed import seed_demo
from tests.browser.pages import LOGGED_OUT, catalogue
from tests.browser.sweep import sweep_pages
from tests.factories import PASSWORD, UserFactory

ACCOUNTS = ["seeded", "empty", "visitor"]
WIDTHS = [375, 1280]
# Smaller than the demo's year (60 contacts, 400 interactions) to keep the sweep quick; enough for every list,
# chart and timeline to have something in it.
SEED_SIZE = DemoSize(contacts=30, interactions=150, years=1)


def _account_user(account: str) -> User:
    if account == "seeded":
        seed_demo(username="maya", password=PASSWORD, size=SEED_SIZE, now=timezone.now())
        return User.objects.get(username="maya")
    return UserFactory(username="newcomer" if account == "empty" else "visitor")


def test_every_url_pattern_is_a_page_or_says_why_not():
    found = catalogue()
    print(found.describe())
    assert not found.unclassified, "URL patterns the sweep cannot place:\n" + "\n".join(found.unclassified)


def _is_whole_html_page(response) -> bool:
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return False
    return response.content.lstrip()[:15].lower() == b"<!doctype html>"


@pytest.mark.django_db
def test_pages_answer_a_whole_html_page_and_the_others_do_not():
    found = catalogue()
    user = UserFactory(username="checker")
    wrong = []
    for route in found.pages + found.not_pages:
        client = Client()
        if route.name not in LOGGED_OUT:
            client.force_login(user)
        response = client.get(route.url(user), follow=True)
        is_page = _is_whole_html_page(response)
        if is_page != (route in found.pages):
            kind = response.get("Content-Type", "")
            status = f"answered {response.status_code} {kind}"
            wrong.append(f"{route.name}: {'not a whole HTML page' if not is_page else 'a page'} ({status})")
    assert not wrong, "pages.py's NOT_PAGES is wrong about:\n" + "\n".join(wrong)


# A label or legend whose text ends in a colon, as Django writes labels unless a form says otherwise.
COLON_LABEL = re.compile(r"<(label|legend)\b[^>]*>((?:(?!</\1>).)*?):\s*</\1>", re.DOTALL)


@pytest.mark.django_db
def test_no_label_on_any_page_ends_in_a_colon():
    found = catalogue()
    user = UserFactory(username="reader")
    colons = []
    for route in found.pages:
        client = Client()
        if route.name not in LOGGED_OUT:
            client.force_login(user)
        page = client.get(route.url(user), follow=True).content.decode()
        colons += [f"{route.name}: {text.strip()}:" for _, text in COLON_LABEL.findall(page)]
    assert not colons, "labels ending in a colon:\n" + "\n".join(colons)


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page(browser, live_server, transactional_db, account, width):
    found = catalogue()
    print(found.describe())
    routes = found.for_account(account)
    user = _account_user(account)
    sweep = sweep_pages(browser, live_server, user, routes, account=account, width=width, axe=width == 375)
    print(f"{account} at {width}px opened {len(sweep.opened)} pages; passed: {', '.join(sweep.passed())}")
    failures = [f"unplaced URL pattern: {line}" for line in found.unclassified] + sweep.failures
    assert not failures, f"{len(failures)} problems on {account} pages at {width}px:\n" + "\n".join(failures)
