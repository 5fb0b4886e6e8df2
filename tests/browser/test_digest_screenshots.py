"""The digest as people will read it (issue 18): each email of a short story is drawn in Chromium at 375 and
800 px (and at 375 px in dark mode), its plain-text part beside it, into var/screenshots/digests/, with the
.html, .txt and .eml files. The README shows docs/screenshots/digest-phone.png, a copy of recap-375.png.

The story, in London:
- recap: Friday 30 May 2025, the morning after PyCon, with a friend whose snooze ends today;
- weekend: the weekly digest of a user who reads on Sundays (8 June), Friendships only;
- network-only: that user's Monday (9 June), the Network follow-ups the Sunday held back.

Each rendering is also checked for what a reader would notice on a phone: nothing wider than the screen, no
text under 12 px, and every link absolute.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from accounts.choices import Intention, Purpose
from accounts.models import DigestFrequency, User
from contacts.policy import Reason
from followups.digests import digests_send_due
from followups.engine import followup_snooze
from followups.models import FollowUp
from interactions.capture import CaptureInput, capture_row_save
from interactions.models import Event, Kind
from tests.browser.conftest import CHROMIUM_ARGS
from tests.conftest import CHROMIUM
from tests.factories import ContactFactory, EventFactory, InteractionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = ROOT / "var" / "screenshots" / "digests"
WIDTHS = (375, 800)
MIN_TEXT_PX = 12

FRIDAY = dt.date(2025, 5, 30)
SUNDAY, MONDAY = dt.date(2025, 6, 8), dt.date(2025, 6, 9)


def at(day: dt.date, hour: int = 7) -> dt.datetime:
    """`hour` UTC on `day`: 07:00 UTC is the 08:00 digest in London in summer."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def met_at(owner: User, event: Event, name: str, note: str, intention: str, on: dt.date) -> None:
    moment = at(on, 17)
    row = CaptureInput(name=name, intention=intention, context=note, confirmed_new=True)
    with time_machine.travel(moment, tick=False):
        capture_row_save(owner, event, row, now=moment)


def seen(owner: User, contact, on: dt.date, notes: str, purpose: str = Purpose.PERSONAL) -> None:
    InteractionFactory(
        owner=owner, contacts=[contact], occurred_at=at(on, 18), notes=notes, purpose=purpose, kind=Kind.MEAL
    )


def clock(owner: User, contact, purpose: str, since: dt.date, cadence: int, due_on: dt.date) -> FollowUp:
    return FollowUp.objects.create(
        owner=owner,
        contact=contact,
        purpose=purpose,
        reason=Reason.CADENCE,
        clock_since=since,
        cadence_days=cadence,
        due_on=due_on,
    )


def person(owner: User, name: str, intention: str = Intention.PERSONAL, **fields):
    given, _, family = name.partition(" ")
    return ContactFactory(
        owner=owner, display_name=name, given_name=given, family_name=family, intention=intention, **fields
    )


def digest_of(day: dt.date):
    with time_machine.travel(at(day), tick=False):
        assert digests_send_due(at(day)) == "1 sent"
    return mail.outbox[-1]


def the_story() -> dict[str, object]:
    """The three users' follow-ups, and the digests the tick sends them."""
    # Maya reads daily. PyCon was on Thursday; Hugo's follow-up was snoozed on Wednesday until today.
    maya = UserFactory(username="maya", email="maya@example.com", time_zone="Europe/London")
    pycon = EventFactory(owner=maya, name="PyCon Lisbon", start_date=FRIDAY - dt.timedelta(days=1))
    for name, note in (
        ("Anna Schmidt", "just moved from Hamburg; wants the conference slides"),
        ("Bruno Costa", "runs the Porto Python meetup"),
        ("Chen Li", ""),
    ):
        met_at(maya, pycon, name, note, Intention.PROFESSIONAL, pycon.start_date)
    hugo = person(maya, "Hugo Brenner", notes="Training for the Berlin marathon")
    seen(maya, hugo, dt.date(2025, 4, 12), "Dinner at his new flat; his sister Lotte starts at Oxford")
    snoozed = clock(maya, hugo, Purpose.PERSONAL, dt.date(2025, 4, 12), 30, dt.date(2025, 5, 12))
    with time_machine.travel(at(FRIDAY - dt.timedelta(days=2)), tick=False):
        followup_snooze(snoozed, FRIDAY)
    kai = person(maya, "Kai Sommer", Intention.PROFESSIONAL, company="Fieldwork")
    FollowUp.objects.create(
        owner=maya,
        contact=kai,
        purpose=Purpose.PROFESSIONAL,
        reason=Reason.REQUESTED,
        due_on=FRIDAY,
        note="Send Kai the deck from the workshop",
    )
    recap = digest_of(FRIDAY)

    # Noor reads weekly, on Sundays: Friendships on Sunday, her Network follow-ups on Monday.
    noor = UserFactory(
        username="noor",
        email="noor@example.com",
        time_zone="Europe/London",
        digest_frequency=DigestFrequency.WEEKLY,
        digest_weekday=6,
    )
    party = EventFactory(
        owner=noor, name="Lena's birthday", start_date=SUNDAY - dt.timedelta(days=2), setting="informal"
    )
    met_at(noor, party, "Rita Alves", "her sister just had a baby", Intention.PERSONAL, party.start_date)
    met_at(noor, party, "Sam Okafor", "plays in a ceilidh band", Intention.PERSONAL, party.start_date)
    ines = person(noor, "Inês Duarte", notes="Loves bouldering")
    seen(noor, ines, dt.date(2025, 4, 20), "Climbing at the Arch; she may move to Lisbon")
    clock(noor, ines, Purpose.PERSONAL, dt.date(2025, 4, 20), 30, dt.date(2025, 5, 20))
    for name, company, since in (
        ("Cole League", "Northwind", dt.date(2025, 3, 1)),
        ("Dana Reyes", "Acme", dt.date(2025, 3, 5)),
    ):
        colleague = person(noor, name, Intention.PROFESSIONAL, company=company)
        seen(noor, colleague, since, f"Coffee about the {company} pilot", Purpose.PROFESSIONAL)
        clock(noor, colleague, Purpose.PROFESSIONAL, since, 90, since + dt.timedelta(days=90))
    weekend = digest_of(SUNDAY)
    network_only = digest_of(MONDAY)
    return {"recap": recap, "weekend": weekend, "network-only": network_only}


def _check_and_shoot(browser, name: str, markup: str, width: int, dark: bool = False) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme="dark" if dark else "light",
        java_script_enabled=True,
    )
    page = context.new_page()
    page.set_content(markup)
    overflow = page.evaluate("document.scrollingElement.scrollWidth")
    assert overflow <= width, f"{name} at {width} px is {overflow} px wide"
    smallest = page.evaluate(
        """() => Math.min(...[...document.body.querySelectorAll('*')]
            .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
            .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""
    )
    assert smallest >= MIN_TEXT_PX, f"{name} at {width} px has text of {smallest} px"
    suffix = f"{width}-dark" if dark else f"{width}"
    page.screenshot(path=str(SHOTS / f"{name}-{suffix}.png"), full_page=True)
    context.close()


def _text_page(text: str) -> str:
    return (
        '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff">'
        '<pre style="margin:0;padding:16px;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;'
        f'white-space:pre-wrap;overflow-wrap:anywhere;color:#1f2328">{html_lib.escape(text)}</pre>'
    )


def test_the_digests_as_read_in_a_mail_client():
    """The story is written and sent first; Chromium then only draws the emails (no database in its loop)."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    story = the_story()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, message in story.items():
                markup = message.alternatives[0].content
                (SHOTS / f"{name}.html").write_text(markup)
                (SHOTS / f"{name}.txt").write_text(f"Subject: {message.subject}\n\n{message.body}")
                (SHOTS / f"{name}.eml").write_bytes(message.message().as_bytes())
                for width in WIDTHS:
                    _check_and_shoot(browser, name, markup, width)
                _check_and_shoot(browser, name, markup, 375, dark=True)
                _check_and_shoot(browser, f"{name}-text", _text_page(message.body), 375)
                for link in re.findall(r'href="([^"]+)"', markup):
                    assert link.startswith(("http://", "https://")), link
        finally:
            browser.close()
    assert story["recap"].subject.startswith("Follow up with Hugo Brenner, ")
    assert "From PyCon Lisbon, Thursday" in story["recap"].body
    assert "You snoozed this until today." in story["recap"].body
    assert "NETWORK" not in story["weekend"].body
    assert story["network-only"].body.startswith("Your Network follow-ups for")
