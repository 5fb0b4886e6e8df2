"""One date format per user (accounts.display): chosen at sign-up or in settings, used on every page, in the
digest and on the digest's link pages, and never carried into another user's page or email."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts import display
from accounts.display import DATE_STYLES, date_style_override, date_style_suggest, day_format, day_near
from followups.digests import digests_send_due
from followups.links import LinkAction, followup_link_url
from followups.models import FollowUp
from tests.factories import ContactFactory, EventFactory, InteractionFactory, UserFactory

FIRST_OF_DECEMBER = dt.date(2026, 12, 1)  # a Tuesday
MONDAY_8AM = dt.datetime(2025, 6, 2, 7, 0, tzinfo=dt.UTC)  # 08:00 in London, the default digest hour
MONDAY = dt.date(2025, 6, 2)


def render(source: str, **context: object) -> str:
    return Template("{% load kith_dates %}" + source).render(Context(context))


# The styles ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(DATE_STYLES))
def test_each_style_prints_the_first_of_december_as_its_label_says(key):
    style = DATE_STYLES[key]
    with date_style_override(key):
        assert day_format(FIRST_OF_DECEMBER) == style.label
        assert render("{{ d|day }}", d=FIRST_OF_DECEMBER) == style.label
        # Without the year (except ISO, whose month-day alone reads either way round), and with the weekday.
        assert ("2026" in render("{{ d|day_short }}", d=FIRST_OF_DECEMBER)) == (key == "iso")
        assert render("{{ d|day_weekday }}", d=FIRST_OF_DECEMBER).startswith("Tue")


@pytest.mark.parametrize(
    ("key", "day", "short", "weekday", "month"),
    [
        ("dmy", "1 Dec 2026", "1 Dec", "Tue 1 Dec 2026", "Dec 2026"),
        ("mdy", "Dec 1, 2026", "Dec 1", "Tue, Dec 1, 2026", "Dec 2026"),
        ("iso", "2026-12-01", "2026-12-01", "Tue 2026-12-01", "2026-12"),
        ("dmy_numeric", "01/12/2026", "01/12", "Tue 01/12/2026", "12/2026"),
        ("mdy_numeric", "12/01/2026", "12/01", "Tue 12/01/2026", "12/2026"),
    ],
)
def test_the_filters_print_each_variant(key, day, short, weekday, month):
    with date_style_override(key):
        printed = render(
            "{{ d|day }}|{{ d|day_short }}|{{ d|day_weekday }}|{{ d|month }}", d=FIRST_OF_DECEMBER
        )
    assert printed == f"{day}|{short}|{weekday}|{month}"


@pytest.mark.parametrize(
    ("key", "end", "printed"),
    [
        ("dmy", dt.date(2026, 12, 3), "1 Dec \N{EN DASH} 3 Dec 2026"),
        ("mdy", dt.date(2026, 12, 3), "Dec 1 \N{EN DASH} Dec 3, 2026"),
        ("dmy", dt.date(2027, 1, 2), "1 Dec 2026 \N{EN DASH} 2 Jan 2027"),
        ("iso", dt.date(2026, 12, 3), "2026-12-01 \N{EN DASH} 2026-12-03"),
        ("dmy_numeric", dt.date(2026, 12, 3), "01/12 \N{EN DASH} 03/12/2026"),
        ("dmy", None, "1 Dec 2026"),
    ],
)
def test_an_events_days_say_their_year_once(key, end, printed):
    with date_style_override(key):
        assert render("{{ d|day_span:end }}", d=FIRST_OF_DECEMBER, end=end) == printed


def test_the_default_is_the_format_kith_always_had():
    assert UserFactory.build().date_style == "dmy"
    assert render("{{ d|day }}", d=FIRST_OF_DECEMBER) == "1 Dec 2026"


def test_a_day_of_another_year_keeps_its_year():
    with date_style_override("mdy"):
        assert day_near(dt.date(2026, 3, 5), FIRST_OF_DECEMBER) == "Mar 5"
        assert day_near(dt.date(2025, 3, 5), FIRST_OF_DECEMBER) == "Mar 5, 2025"
        assert (
            render("{{ d|day_near:today }}", d=dt.date(2025, 3, 5), today=FIRST_OF_DECEMBER) == "Mar 5, 2025"
        )


def test_a_moment_is_printed_on_its_local_day_and_time():
    # 03:30 UTC on 2 December is still the evening of 1 December in New York.
    moment = dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC)
    with timezone.override("America/New_York"):
        assert render("{{ at|day }}", at=moment) == "1 Dec 2026"
        assert render("{{ at|day_time }}", at=moment) == "1 Dec 2026 22:30"
        assert day_format(moment) == "1 Dec 2026"


def test_nothing_to_print_prints_nothing():
    assert render("[{{ d|day }}][{{ missing|day_weekday }}][{{ d|day_time }}]", d=None) == "[][][]"


# Suggested at sign-up from the browser's languages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "suggested"),
    [
        ("en-US,en;q=0.9", "mdy"),
        ("de-DE", "dmy"),
        ("en-GB,en;q=0.8", "dmy"),
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "dmy"),
        ("es", "dmy"),
        ("sv-SE", "iso"),
        ("lt", "iso"),
        ("ja,en-US;q=0.5", "iso"),
        ("zh-Hans-CN", "iso"),
        ("ko-KR", "iso"),
        # The q-values decide, not the order written.
        ("de;q=0.5, en-US;q=0.8", "mdy"),
        ("en-US;q=0, de", "dmy"),
        ("ja;q=0.3, en-us", "mdy"),
        # A language Kith has no entry for says nothing: the next one decides, else the default.
        ("tlh, en-US;q=0.5", "mdy"),
        ("tlh", "dmy"),
        ("*", "dmy"),
        ("", "dmy"),
        ("en-US;q=abc, sv", "iso"),
        (";;;,,=q", "dmy"),
    ],
)
def test_the_suggestion_follows_the_browsers_languages(accept_language, suggested):
    assert date_style_suggest(accept_language) == suggested


@pytest.mark.django_db
def test_signup_saves_the_chosen_format_and_pages_use_it(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": "a brand new tolerable passphrase",
            "password2": "a brand new tolerable passphrase",
            "time_zone": "Europe/London",
            "date_style": "iso",
        },
    )
    assert response.status_code == 302
    EventFactory(owner=response.wsgi_request.user, start_date=FIRST_OF_DECEMBER, name="Winter fair")
    assert "2026-12-01" in client.get(reverse("event_list")).content.decode()


# On pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def us_user(db):
    return UserFactory(
        username="uma", email="uma@example.com", date_style="mdy", time_zone="America/New_York"
    )


def test_each_user_sees_days_in_their_own_format(client, alice, us_user):
    for user in (alice, us_user):
        EventFactory(owner=user, start_date=FIRST_OF_DECEMBER, name="Winter fair")
    client.force_login(us_user)
    for name in ("event_list", "home"):
        content = client.get(reverse(name)).content.decode()
        assert "Dec 1, 2026" in content
        assert "1 Dec 2026" not in content
    # The same worker serving alice next prints her format: the style ended with the request before.
    assert display.date_style() == DATE_STYLES["dmy"]
    client.force_login(alice)
    content = client.get(reverse("event_list")).content.decode()
    assert "1 Dec 2026" in content
    assert "Dec 1, 2026" not in content


def test_settings_save_a_new_format_that_pages_use_at_once(alice_client, alice):
    from tests.test_accounts import settings_data

    EventFactory(owner=alice, start_date=FIRST_OF_DECEMBER, name="Winter fair")
    response = alice_client.get(reverse("settings"))
    assert '<label for="id_date_style">Date format' in response.content.decode()
    response = alice_client.post(reverse("settings"), settings_data(alice, date_style="dmy_numeric"))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.date_style == "dmy_numeric"
    assert "01/12/2026" in alice_client.get(reverse("event_list")).content.decode()


def test_an_unknown_format_is_refused_with_a_form_error(alice_client, alice):
    from tests.test_accounts import settings_data

    response = alice_client.post(reverse("settings"), settings_data(alice, date_style="dd.mm.yyyy"))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["date_style"])
    alice.refresh_from_db()
    assert alice.date_style == "dmy"


def test_concurrent_renders_each_keep_their_own_format():
    """Two threads render at the same moment, each inside its own user's style: neither sees the other's."""
    both_inside = threading.Barrier(2, timeout=10)
    printed: dict[str, str] = {}

    def render_as(key: str) -> None:
        with date_style_override(key):
            both_inside.wait()
            printed[key] = render("{{ d|day }}", d=FIRST_OF_DECEMBER)
            both_inside.wait()

    threads = [threading.Thread(target=render_as, args=(key,)) for key in ("mdy", "iso")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert printed == {"mdy": "Dec 1, 2026", "iso": "2026-12-01"}
    assert display.date_style() == DATE_STYLES["dmy"]


def test_a_style_ends_with_its_block_even_on_an_error():
    with pytest.raises(RuntimeError), date_style_override("iso"):
        raise RuntimeError("the render failed")
    assert display.date_style() == DATE_STYLES["dmy"]


# In emails --------------------------------------------------------------------------------------------------


def _due_with_history(user):
    ana = ContactFactory(owner=user, display_name="Ana")
    InteractionFactory(
        owner=user, contacts=[ana], notes="Climbing", occurred_at=MONDAY_8AM - dt.timedelta(days=20)
    )
    FollowUp.objects.create(
        owner=user,
        contact=ana,
        purpose="personal",
        reason="requested",
        due_on=MONDAY - dt.timedelta(days=10),
        note="bring the book",
    )
    return ana


def test_the_digest_writes_days_in_each_users_format(alice, us_user):
    us_user.time_zone = "Europe/London"
    us_user.save()
    for user in (alice, us_user):
        _due_with_history(user)
    with time_machine.travel(MONDAY_8AM, tick=False):
        assert digests_send_due(MONDAY_8AM) == "2 sent"
    by_address = {message.to[0]: message for message in mail.outbox}
    expected = {
        "uma@example.com": ("Mon, Jun 2, 2025", "reminded on May 23", "Last time, May 13: Climbing"),
        "alice@example.com": ("Mon 2 Jun 2025", "reminded on 23 May", "Last time, 13 May: Climbing"),
    }
    for address, (heading, due, last_time) in expected.items():
        message = by_address[address]
        for body in (message.body, message.alternatives[0].content):
            assert f"Your follow-ups for {heading}" in body
            assert due in body
            assert last_time in body
    assert display.date_style() == DATE_STYLES["dmy"]


def test_the_test_digest_uses_the_users_format(client, us_user):
    _due_with_history(us_user)
    client.force_login(us_user)
    with time_machine.travel(MONDAY_8AM, tick=False):
        client.post(reverse("digest_test"))
    (message,) = mail.outbox
    assert "Your follow-ups for Mon, Jun 2, 2025" in message.body
    assert "Last time, May 13: Climbing" in message.alternatives[0].content


def test_the_digest_names_its_groups_as_the_dashboards_do(alice):
    ana = _due_with_history(alice)
    ana.intention = "both"
    ana.save()
    FollowUp.objects.create(
        owner=alice, contact=ana, purpose="professional", reason="requested", due_on=MONDAY, note="deck"
    )
    with time_machine.travel(MONDAY_8AM, tick=False):
        digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    for text in (message.subject, message.body, message.alternatives[0].content):
        assert not re.search(r"\bfriendship\b", text, re.IGNORECASE)
    assert "FRIENDSHIPS" in message.body and "NETWORK" in message.body
    assert ">Friendships</h2>" in message.alternatives[0].content


def test_a_digest_link_page_speaks_in_its_owners_format_without_logging_in(client, us_user):
    followup = FollowUp.objects.create(
        owner=us_user,
        contact=ContactFactory(owner=us_user),
        purpose="personal",
        reason="requested",
        due_on=MONDAY,
        note="bring the book",
    )
    with time_machine.travel(MONDAY_8AM, tick=False):
        done_page = client.get(followup_link_url(followup, LinkAction.DONE)).content.decode()
        response = client.post(followup_link_url(followup, LinkAction.SNOOZE), {"until": "2025-06-10"})
    assert "Snoozed until Tue, Jun 10, 2025" in response.content.decode()
    assert "in Friendships" in done_page
    assert display.date_style() == DATE_STYLES["dmy"]


# Templates ------------------------------------------------------------------------------------------------

# Formats written for programs rather than people (a <time datetime>, a data attribute): no user's style
# applies to them.
MACHINE_FORMATS = {"c", "U", "Y-m-d", "Y-m", "Y-m-d\\TH:i"}
_DATE_FILTER = re.compile(r"\|\s*date\b(?:\s*:\s*(?:\"([^\"]*)\"|'([^']*)'|(\w+)))?")


def test_no_template_formats_a_day_by_itself():
    """Every day a person reads goes through the kith_dates filters, so it follows their date format."""
    templates = Path(settings.BASE_DIR) / "templates"
    found = []
    for path in sorted(templates.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in _DATE_FILTER.finditer(line):
                written = next((group for group in match.groups() if group is not None), None)
                if written not in MACHINE_FORMATS:
                    found.append(f"{path.relative_to(templates)}:{number}: {match.group(0)}")
    assert not found, "Use the kith_dates filters (day, day_short, day_weekday...) instead of:\n" + "\n".join(
        found
    )
