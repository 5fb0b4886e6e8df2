"""Fixtures for the browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's
live server, logged in through the login form, with every console error and CSP violation collected and
failing the test at its end.

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls from a thread
with a running loop; DJANGO_ALLOW_ASYNC_UNSAFE lifts that for these tests only (monkeypatched, so the rest
of the suite keeps Django's guard).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD, UserFactory

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time. On SQLite the test database lives in memory and
    every server thread shares its one connection, so two requests at once (a duplicate lookup while a row
    saves) fail with "database table is locked"; a file database with WAL, as Kith runs on, does not."""

    _lock = threading.Lock()

    def set_app(self, application):
        def one_at_a_time(environ, start_response):
            with self._lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = _OneRequestAtATime

# Runs in every page before its own scripts, outside the page's CSP, and reports each violation to Python.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__kithReportCsp(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen during a test. A test that provokes
    errors on purpose (a network failure) lists the texts it expects in `allowed`."""

    console: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        return [m for m in self.console if not any(a in m for a in self.allowed)] + self.csp


@pytest.fixture
def browser(monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Without this, a PostgreSQL session opened during a browser test is still open when pytest-django
        # drops the test database at the end of the run, and the drop fails.
        connections.close_all()


@pytest.fixture
def person(transactional_db):
    """The user the browser logs in as."""
    return UserFactory(username="maya", email="maya@example.com", time_zone="Europe/Lisbon")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def watch_page(page, problems: PageProblems) -> None:
    """Collect the page's console errors, uncaught exceptions and CSP violations into `problems`."""
    page.expose_function("__kithReportCsp", lambda text: problems.csp.append(text))
    page.add_init_script(_REPORT_CSP)
    page.on("console", lambda message: message.type == "error" and problems.console.append(message.text))
    page.on("pageerror", lambda error: problems.console.append(f"uncaught: {error}"))


def _open_page(browser, live_server, person, problems: PageProblems, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch_page(page, problems)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def phone(browser, live_server, person, problems):
    """A logged-in page 375 px wide, as on a phone."""
    page = _open_page(browser, live_server, person, problems, 375, 812)
    yield page
    assert not problems.unexpected(), problems.unexpected()


@pytest.fixture
def desk(browser, live_server, person, problems):
    """A logged-in page 1280 px wide, as at a desk."""
    page = _open_page(browser, live_server, person, problems, 1280, 900)
    yield page
    assert not problems.unexpected(), problems.unexpected()
