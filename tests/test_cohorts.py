"""Which events were worth it (issue 18): an event's cohort on its page, and the Events page comparing events.

The hand-made fixture: six people met at a conference on 2 March 2026, looked at on 15 September 2026 (six
months and two weeks later): four followed up within a week, five in touch in the first month, one in months
2 to 3, two in months 4 to 6, the 12-month mark not reached yet, one lasting, one whose intention changed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.choices import Circle, Intention, Purpose, Setting
from contacts import cohort_rules
from contacts.actions import contact_update
from interactions.actions import interaction_log
from interactions.capture import CaptureInput, capture_row_correct, capture_row_save
from interactions.cohorts import event_cohorts
from interactions.models import Kind, Participation
from tests.factories import ContactFactory, EventFactory
from tests.migrating import migrate_to_just_before
from transfer.imports import import_job_confirm, import_job_create

SAMPLES = Path(__file__).resolve().parent / "samples"

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 9, 15)
MET_ON = dt.date(2026, 3, 2)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def touch(owner, contact, day, purpose=Purpose.PROFESSIONAL, **kwargs):
    setting = Setting.FORMAL if purpose == Purpose.PROFESSIONAL else Setting.INFORMAL
    return interaction_log(owner, [contact], occurred_at=at(day), purpose=purpose, setting=setting, **kwargs)


@pytest.fixture
def travel():
    with time_machine.travel(at(TODAY, 9), tick=False):
        yield


@pytest.fixture
def summit(alice, travel):
    """The conference and its six people (the module's docstring); each comment says what they count for."""
    event = EventFactory(owner=alice, name="Lisbon Product Summit", start_date=MET_ON, setting=Setting.FORMAL)
    people = {}
    for name, circle in [
        ("Ana", Circle.CLOSE),
        ("Ben", Circle.INNER),
        ("Cleo", Circle.CLOSE),
        ("Dan", Circle.CLOSE),
        ("Eve", Circle.CLOSE),
        ("Finn", Circle.CLOSE),
    ]:
        people[name] = ContactFactory(
            owner=alice, display_name=name, intention=Intention.PROFESSIONAL, circle=circle
        )
    # Finn was seen once before the summit: that is not a follow-up.
    touch(alice, people["Finn"], d(2, 1))
    for contact in people.values():
        touch(alice, contact, MET_ON, kind=Kind.MET, event=event)
    # Ana: a week, the first month, months 2-3, months 4-6; lasting (last 36 days ago, cadence 90).
    for day in (d(3, 4), d(5, 15), d(8, 10)):
        touch(alice, people["Ana"], day)
    # Ben: a week, months 4-6; not lasting (last 76 days ago, but an inner circle's cadence is 30).
    for day in (d(3, 5), d(7, 1)):
        touch(alice, people["Ben"], day)
    # Cleo: on the seventh day after, the last day that counts as within a week.
    touch(alice, people["Cleo"], d(3, 9))
    # Dan: the next day; a personal dinner later counts for none of the professional numbers; his intention
    # has since become `both`.
    touch(alice, people["Dan"], d(3, 3))
    touch(alice, people["Dan"], d(8, 1), purpose=Purpose.PERSONAL)
    contact_update(people["Dan"], intention=Intention.BOTH)
    # Eve: on the eighth and tenth days, too late for the week, in the first month; not lasting (187 days).
    for day in (d(3, 10), d(3, 12)):
        touch(alice, people["Eve"], day)
    return event


EXPECTED = {
    "met": "6",
    "week": "4",
    "months-1": "5",
    "months-3": "1",
    "months-6": "2",
    "months-12": "not yet",
    "lasting": "1",
    "changed": "1",
}


def _numbers(html: str, scope: str = "") -> dict[str, str]:
    """The cohort numbers on a page, by their data-cohort name, as the visitor reads them."""
    if scope:
        html = html[html.index(scope) :]
    found: dict[str, str] = {}
    for name, value in re.findall(r'data-cohort="([\w-]+)">(.*?)</(?:dd|td)>', html):
        found.setdefault(name, " ".join(strip_tags(value).split()))
    return found


def _text(html: str) -> str:
    """The page's words, each element apart, as a browser lays out a list of terms and numbers."""
    return " ".join(strip_tags(re.sub(r"<", " <", html)).split())


def test_the_cohort_counts_the_hand_made_fixture(alice, summit):
    (cohort,) = event_cohorts(alice, [summit.pk], TODAY)[summit.pk]

    assert cohort.purpose == Purpose.PROFESSIONAL
    assert cohort.met == 6
    assert cohort.followed_up == 4
    assert [(m.months, m.count) for m in cohort.marks] == [(1, 5), (3, 1), (6, 2), (12, None)]
    assert cohort.lasting == 1
    assert cohort.intention_changed == 1
    by_name = {o.contact.display_name: o for o in cohort.people}
    assert [n for n, o in by_name.items() if o.followed_up] == ["Ana", "Ben", "Cleo", "Dan"]
    assert [n for n, o in by_name.items() if o.in_touch[6]] == ["Ana", "Ben"]
    assert [n for n, o in by_name.items() if o.lasting] == ["Ana"]
    assert [n for n, o in by_name.items() if o.intention_changed] == ["Dan"]


def test_the_event_page_shows_its_cohort(alice_client, summit):
    html = alice_client.get(reverse("event_detail", args=[summit.pk])).content.decode()

    assert _numbers(html) == EXPECTED
    text = _text(html)
    assert "What came of it Compare events Network Newly met 6 Followed up within a week 4" in text
    assert "In touch at 6 months 2 In touch at 12 months not yet Lasting 1 Intention changed since 1" in text
    # Who they are, by name.
    assert "Lasting: Ana Intention changed: Dan (was professional, now both)" in text
    # What the numbers count is said on the page, in words.
    assert "In touch at 1, 3, 6, 12 months An interaction of that purpose since the mark before" in text


def test_a_mark_counts_only_once_it_has_passed(alice, summit):
    """Two months after the summit, the 3, 6 and 12-month numbers are not known yet: "not yet", not 0."""
    with time_machine.travel(at(d(5, 10)), tick=False):
        (cohort,) = event_cohorts(alice, [summit.pk], d(5, 10))[summit.pk]
    assert [(m.months, m.count) for m in cohort.marks] == [(1, 5), (3, None), (6, None), (12, None)]


def test_an_event_with_people_met_for_both_purposes_shows_a_cohort_for_each(alice_client, alice, travel):
    party = EventFactory(owner=alice, name="Rooftop party", start_date=d(9, 1), setting=Setting.INFORMAL)
    friend = ContactFactory(owner=alice, display_name="Rosa", intention=Intention.PERSONAL)
    founder = ContactFactory(owner=alice, display_name="Tomás", intention=Intention.PROFESSIONAL)
    touch(alice, friend, d(9, 1), purpose=Purpose.PERSONAL, kind=Kind.MET, event=party)
    touch(alice, founder, d(9, 1), kind=Kind.MET, event=party)
    touch(alice, friend, d(9, 4), purpose=Purpose.PERSONAL)

    html = alice_client.get(reverse("event_detail", args=[party.pk])).content.decode()

    assert _numbers(html, 'data-cohort-purpose="personal"')["week"] == "1"
    assert _numbers(html, 'data-cohort-purpose="professional"')["week"] == "0"
    assert _numbers(html, 'data-cohort-purpose="professional"')["months-1"] == "not yet"
    assert html.index("Friendships</h3>") < html.index("Network</h3>")


def test_an_event_where_nobody_was_met_shows_no_cohort(alice_client, alice, travel):
    event = EventFactory(owner=alice, name="Quiet workshop")
    html = alice_client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert "What came of it" not in html and "No one logged at this event yet" in html


def test_another_users_event_is_not_found(alice_client, bob, travel):
    event = EventFactory(owner=bob, name="Bob's meetup")
    touch(bob, ContactFactory(owner=bob), d(9, 1), kind=Kind.MET, event=event)
    assert alice_client.get(reverse("event_detail", args=[event.pk])).status_code == 404
    assert b"Bob's meetup" not in alice_client.get(reverse("event_compare")).content


# The Events page ------------------------------------------------------------------------------------------


def test_the_events_page_compares_events_per_group(alice_client, alice, summit):
    party = EventFactory(owner=alice, name="Garden party", start_date=d(8, 20), setting=Setting.INFORMAL)
    for name in ("Rosa", "Sam"):
        friend = ContactFactory(owner=alice, display_name=name, intention=Intention.PERSONAL)
        touch(alice, friend, d(8, 20), purpose=Purpose.PERSONAL, kind=Kind.MET, event=party)
        touch(alice, friend, d(8, 22), purpose=Purpose.PERSONAL)

    html = alice_client.get(reverse("event_compare")).content.decode()
    network = html[html.index('id="events-professional"') :]
    friendships = html[html.index('id="events-personal"') : html.index('id="events-professional"')]

    table = network[network.index(f'<tr data-event="{summit.pk}">') :]
    assert _numbers(table) == EXPECTED
    assert _numbers(friendships[friendships.index(f'<tr data-event="{party.pk}">') :]) == {
        **EXPECTED,
        "met": "2",
        "week": "2",
        "months-1": "not yet",
        "months-3": "not yet",
        "months-6": "not yet",
        "lasting": "0",
        "changed": "0",
    }
    assert "Lisbon Product Summit" not in friendships and "Garden party" not in network
    # The chart: a bar per event, as long as its people met, filled as far as its lasting ones, and its words.
    assert '<rect class="bar met" x="0" y="0" width="100.0" height="10"/>' in network
    assert '<rect class="bar lasting" x="0" y="0" width="16.7" height="10"/>' in network
    assert "1 of 6 lasting" in _text(network)
    assert "lasting: 1 of 6 in all" in _text(network)


def test_the_network_dashboard_counts_the_same_lasting_relationships(alice_client, summit):
    html = alice_client.get(reverse("network")).content.decode()
    line = html[html.index(f'<li data-event="{summit.pk}">') :]
    assert _text(line[: line.index("</li>")]) == "Lisbon Product Summit 2 Mar 2026 , 1 of 6 lasting"


def test_the_events_page_is_linked_from_the_events_list_the_dashboards_and_more(alice_client, travel):
    url = reverse("event_compare")
    for name in ("event_list", "more", "friendships", "network"):
        assert f'href="{url}' in alice_client.get(reverse(name)).content.decode(), name


def test_the_events_page_with_no_events_says_so(alice_client, travel):
    html = alice_client.get(reverse("event_compare")).content.decode()
    assert "Nobody met at an event for personal reasons yet" in html
    assert "Nobody met at an event for professional reasons yet" in html


def _populate(owner, events: int, people: int) -> None:
    for e in range(events):
        setting = Setting.FORMAL if e % 2 else Setting.INFORMAL
        purpose = Purpose.PROFESSIONAL if e % 2 else Purpose.PERSONAL
        event = EventFactory(owner=owner, name=f"event-{events}-{e}", start_date=d(1, 1 + e), setting=setting)
        for p in range(people):
            contact = ContactFactory(
                owner=owner, intention=purpose, circle=Circle.WIDER if p % 2 else Circle.CLOSE
            )
            touch(owner, contact, d(1, 1 + e), purpose=purpose, kind=Kind.MET, event=event)
            touch(owner, contact, d(1, 3 + e), purpose=purpose)
            touch(owner, contact, d(6, 3 + e), purpose=purpose)


def test_the_events_page_costs_the_same_queries_whatever_the_data(
    alice_client, alice, bob, travel, django_assert_max_num_queries
):
    _populate(alice, events=2, people=2)
    with django_assert_max_num_queries(12) as small:
        assert alice_client.get(reverse("event_compare")).status_code == 200
    _populate(alice, events=8, people=4)
    _populate(bob, events=3, people=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = alice_client.get(reverse("event_compare"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-event="') == 10


def test_the_event_page_costs_the_same_queries_whatever_its_cohort(
    alice_client, alice, travel, django_assert_max_num_queries
):
    _populate(alice, events=1, people=1)
    event = alice.events.get()
    with django_assert_max_num_queries(15) as small:
        alice_client.get(reverse("event_detail", args=[event.pk]))
    for _ in range(5):
        contact = ContactFactory(owner=alice, intention=Intention.PERSONAL)
        touch(alice, contact, d(1, 1), purpose=Purpose.PERSONAL, kind=Kind.MET, event=event)
        touch(alice, contact, d(1, 5), purpose=Purpose.PERSONAL)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = alice_client.get(reverse("event_detail", args=[event.pk])).content.decode()
    assert _numbers(html)["met"] == "6"


# The rules (contacts.cohort_rules), without the database ------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 3, 2), 6, dt.date(2026, 9, 2)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 12, dt.date(2027, 12, 15)),
    ],
)
def test_months_after_keeps_the_day_or_the_months_last(day, months, expected):
    assert cohort_rules.months_after(day, months) == expected


@pytest.mark.parametrize(
    ("months", "first", "last"),
    [
        (1, MET_ON, d(4, 2)),
        (3, d(4, 3), d(6, 2)),
        (6, d(6, 3), d(9, 2)),
        (12, d(9, 3), dt.date(2027, 3, 2)),
    ],
)
def test_each_in_touch_window_runs_from_the_mark_before(months, first, last):
    assert cohort_rules.in_touch_window(MET_ON, months) == (first, last)


def test_in_touch_is_unknown_until_the_window_has_passed():
    assert cohort_rules.in_touch_at(MET_ON, [d(8, 1)], 6, d(9, 2)) is None
    assert cohort_rules.in_touch_at(MET_ON, [d(8, 1)], 6, d(9, 3)) is True
    assert cohort_rules.in_touch_at(MET_ON, [d(5, 1)], 6, d(9, 3)) is False
    assert cohort_rules.in_touch_at(MET_ON, [], 1, d(4, 3)) is False


def test_followed_up_within_a_week_is_up_to_the_seventh_day():
    assert cohort_rules.followed_up_within_week(MET_ON, [d(3, 9)])
    assert not cohort_rules.followed_up_within_week(MET_ON, [d(3, 10)])
    assert cohort_rules.followed_up_within_week(MET_ON, [MET_ON])


# The intention at the meeting (Participation.intention_then) ----------------------------------------------


def test_a_meeting_keeps_the_intention_the_person_had_then(alice, travel):
    ana = ContactFactory(owner=alice, intention=Intention.PROFESSIONAL)
    meeting = touch(alice, ana, d(9, 1), kind=Kind.MET, event=EventFactory(owner=alice))
    contact_update(ana, intention=Intention.PERSONAL)
    assert meeting.participations.get().intention_then == Intention.PROFESSIONAL


def test_a_capture_row_keeps_its_intention_and_a_correction_on_the_row_is_no_change(alice, travel):
    event = EventFactory(owner=alice, start_date=TODAY, setting=Setting.FORMAL)
    row = CaptureInput(name="Ana Núñez", intention=Intention.PROFESSIONAL, row_key="k1")
    saved = capture_row_save(alice, event, row, now=timezone.now()).participation
    assert saved is not None and saved.intention_then == Intention.PROFESSIONAL

    corrected = capture_row_correct(saved, CaptureInput(name="Ana Núñez", intention=Intention.BOTH))

    assert corrected.intention_then == corrected.contact.intention == Intention.BOTH
    (cohort,) = event_cohorts(alice, [event.pk], TODAY)[event.pk]
    assert cohort.intention_changed == 0


def test_imported_history_keeps_the_intention_given_at_the_import(alice, travel):
    data = (SAMPLES / "linkedin_connections.csv").read_bytes()
    job = import_job_confirm(
        import_job_create(alice, data, "linkedin_connections.csv"), intention=Intention.PROFESSIONAL, tags=[]
    )
    assert job.status == "done", job.error
    rows = Participation.objects.filter(owner=alice)
    assert rows.exists()
    assert set(rows.values_list("intention_then", flat=True)) == {Intention.PROFESSIONAL}


INTENTION_THEN = ("interactions", "0011_participation_intention_then")


@pytest.mark.django_db(transaction=True)
def test_existing_participations_take_the_contacts_intention_now(migrator):
    """Nothing recorded the intention at a meeting before: existing rows count as unchanged."""
    apps = migrate_to_just_before(migrator, INTENTION_THEN)
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    Interaction = apps.get_model("interactions", "Interaction")
    Participation = apps.get_model("interactions", "Participation")
    maya = User.objects.create(username="maya", email="maya@example.com")
    lunch = Interaction.objects.create(
        owner=maya, occurred_at=at(d(3, 1)), purpose="personal", setting="informal"
    )
    for name, intention in [("Ana", "personal"), ("Ben", "both")]:
        contact = Contact.objects.create(owner=maya, display_name=name, intention=intention, circle="close")
        Participation.objects.create(
            owner=maya, interaction=lunch, contact=contact, occurred_at=lunch.occurred_at, purpose="personal"
        )

    executor = MigrationExecutor(connection)
    executor.migrate([INTENTION_THEN])
    Participation = executor.loader.project_state([INTENTION_THEN]).apps.get_model(
        "interactions", "Participation"
    )
    rows = sorted(Participation.objects.values_list("contact__display_name", "intention_then"))
    assert rows == [("Ana", "personal"), ("Ben", "both")]
