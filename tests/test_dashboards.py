"""The Friendships and Network dashboards and the Balance view: each number against a hand-made fixture, SQL
against the policy, constant query counts, empty accounts and one-click actions."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.html import parse_html
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose, Setting
from contacts import policy
from contacts.actions import contact_archive
from contacts.clock import contacts_refresh_clock
from contacts.models import Contact
from contacts.policy import ContactFacts
from dashboards.balance import balance_build
from dashboards.counts import interactions_per_month
from dashboards.dashboards import dashboard_build, headline_numbers
from dashboards.event_people import event_people_refresh
from dashboards.models import EventPerson
from dashboards.queries import LIST_CAP, drift_find, events_outcomes, people_overview
from followups.engine import followup_snooze
from followups.models import FollowUp
from interactions.actions import interaction_log, interaction_update
from interactions.models import Interaction, Kind
from tests.factories import ContactFactory, EventFactory, FollowUpFactory, TagFactory
from tests.migrating import migrate_to_just_before

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def log(user, contacts, days_ago, purpose, *, kind=Kind.CONVERSATION, event=None):
    contacts = contacts if isinstance(contacts, list) else [contacts]
    setting = Setting.FORMAL if purpose == Purpose.PROFESSIONAL else Setting.INFORMAL
    return interaction_log(
        user,
        contacts,
        occurred_at=NOW - dt.timedelta(days=days_ago),
        kind=kind,
        purpose=purpose,
        setting=setting,
        event=event,
    )


def person(user, intention=Intention.PERSONAL, circle=Circle.CLOSE, name=None, created_days_ago=400, **kw):
    contact = ContactFactory(owner=user, intention=intention, circle=circle, **kw)
    if name:
        contact.display_name = name
        contact.save()
    Contact.objects.filter(pk=contact.pk).update(created_at=NOW - dt.timedelta(days=created_days_ago))
    contacts_refresh_clock(Contact.objects.filter(pk=contact.pk))
    contact.refresh_from_db()
    return contact


# Lasting relationships and events never followed up ------------------------------------------------------


def test_a_contact_met_at_a_formal_event_and_followed_up_twice_is_a_lasting_network_relationship(alice):
    summit = EventFactory(owner=alice, name="Climbing Business Summit", setting=Setting.FORMAL)
    ines = person(alice, Intention.PROFESSIONAL, name="Inês")
    kwame = person(alice, Intention.PROFESSIONAL, name="Kwame")
    log(alice, [ines, kwame], 60, Purpose.PROFESSIONAL, kind=Kind.MET, event=summit)
    log(alice, ines, 40, Purpose.PROFESSIONAL)
    log(alice, ines, 10, Purpose.PROFESSIONAL)

    lasting, unfollowed = events_outcomes(alice, Purpose.PROFESSIONAL, TODAY)

    assert [(e.name, e.met, e.lasting, e.never_followed_up) for e in lasting] == [
        ("Climbing Business Summit", 2, 1, 1)
    ]
    assert [e.name for e in unfollowed] == ["Climbing Business Summit"]
    # The Friendships dashboard counts personal meetings only.
    assert events_outcomes(alice, Purpose.PERSONAL, TODAY) == ([], [])


def test_one_later_interaction_or_a_lapsed_clock_is_not_lasting(alice):
    party = EventFactory(owner=alice, name="Street party", setting=Setting.INFORMAL)
    once = person(alice, name="Once")
    lapsed = person(alice, name="Lapsed")
    log(alice, [once, lapsed], 300, Purpose.PERSONAL, kind=Kind.MET, event=party)
    log(alice, once, 20, Purpose.PERSONAL)
    # Two later personal interactions, the last 200 days ago: more than 2 x 30 days, so the clock lapsed.
    log(alice, lapsed, 250, Purpose.PERSONAL)
    log(alice, lapsed, 200, Purpose.PERSONAL)
    # A professional interaction does not follow up a personal meeting.
    log(alice, once, 5, Purpose.PROFESSIONAL)

    lasting, unfollowed = events_outcomes(alice, Purpose.PERSONAL, TODAY)

    assert lasting == []
    assert unfollowed == []


def test_events_outcomes_agree_with_the_policy(alice):
    """The SQL shortcut (the timeline summary's two latest dates, the clock not having lapsed) gives
    policy.is_lasting's answer computed from every interaction, on both sides of twice the cadence (a close
    contact's professional cadence is 90 days: a last interaction 180 days ago still counts, 181 does not)."""
    events = [EventFactory(owner=alice, setting=Setting.FORMAL) for _ in range(3)]
    people = []
    later_sets = [(), (80,), (70, 20), (150, 100), (190, 181), (190, 180), (185, 182, 179)]
    for i, (met, later) in enumerate(itertools.product([200, 90, 30], later_sets)):
        contact = person(alice, Intention.PROFESSIONAL, name=f"P{i}")
        event = events[i % 3]
        log(alice, contact, met, Purpose.PROFESSIONAL, kind=Kind.MET, event=event)
        for days in later:
            if days < met:
                log(alice, contact, days, Purpose.PROFESSIONAL)
        people.append((contact, event, met))
    expected: dict[int, int] = {}
    table = alice.cadence_table()
    for contact, event, met in people:
        dates = sorted(
            policy.local_date(i.occurred_at, alice.zone)
            for i in Interaction.objects.filter(participations__contact=contact, purpose=Purpose.PROFESSIONAL)
        )
        met_on = (NOW - dt.timedelta(days=met)).date()
        facts = ContactFacts.from_contact(contact, alice.zone)
        cadence = policy.cadence_for(facts, Purpose.PROFESSIONAL, table)
        if policy.is_lasting(met_on, dates[1:], cadence, TODAY):
            expected[event.pk] = expected.get(event.pk, 0) + 1

    lasting, _ = events_outcomes(alice, Purpose.PROFESSIONAL, TODAY)

    assert {e.event_id: e.lasting for e in lasting} == expected
    assert expected  # the grid has lasting people
    # ... and people on both sides of the boundary.
    assert 0 < sum(expected.values()) < len(people)


def test_the_events_lists_follow_archives_cadences_and_deleted_events(alice):
    """The events' outcomes are kept per person met (dashboards.event_people): an archive, a cadence set on
    the contact page and a deleted event each show at once."""
    summit = EventFactory(owner=alice, name="Summit", setting=Setting.FORMAL)
    ines = person(alice, Intention.PROFESSIONAL, name="Inês")
    kwame = person(alice, Intention.PROFESSIONAL, name="Kwame")
    log(alice, [ines, kwame], 60, Purpose.PROFESSIONAL, kind=Kind.MET, event=summit)
    log(alice, ines, 50, Purpose.PROFESSIONAL)
    log(alice, ines, 45, Purpose.PROFESSIONAL)

    def shown():
        lasting, unfollowed = events_outcomes(alice, Purpose.PROFESSIONAL, TODAY)
        return [(e.met, e.lasting, e.never_followed_up) for e in lasting], [e.met for e in unfollowed]

    assert shown() == ([(2, 1, 1)], [2])
    contact_archive(kwame)
    assert shown() == ([(1, 1, 0)], [])
    contact_archive(kwame, archived=False)
    assert shown() == ([(2, 1, 1)], [2])
    # A 20-day cadence: 45 days since the last interaction is more than twice that, the clock lapsed.
    ines.professional_cadence_days = 20
    ines.save()
    assert shown() == ([], [2])
    summit.delete()
    assert shown() == ([], [])


# Drift ----------------------------------------------------------------------------------------------------


def test_a_professional_contact_whose_last_five_interactions_were_personal_drifts(alice):
    drifter = person(alice, Intention.PROFESSIONAL, name="Drifter")
    log(alice, drifter, 100, Purpose.PROFESSIONAL)
    for days in (50, 40, 30, 20, 10):
        log(alice, drifter, days, Purpose.PERSONAL)
    steady = person(alice, Intention.PROFESSIONAL, name="Steady")
    for days in (30, 20):
        log(alice, steady, days, Purpose.PERSONAL)
    log(alice, steady, 50, Purpose.PROFESSIONAL)  # one professional among the last five
    few = person(alice, Intention.PROFESSIONAL, name="Few")
    for days in (30, 20):  # only two interactions: too few to drift
        log(alice, few, days, Purpose.PERSONAL)
    both = person(alice, Intention.BOTH, name="Both")
    for days in (30, 20, 10):
        log(alice, both, days, Purpose.PERSONAL)

    drift, total = drift_find(alice, Purpose.PROFESSIONAL)

    assert [(d.contact.display_name, d.purposes, d.other) for d in drift] == [
        ("Drifter", [Purpose.PERSONAL] * 5, Purpose.PERSONAL)
    ]
    assert total == 1
    assert drift_find(alice, Purpose.PERSONAL) == ([], 0)


def test_drift_needs_all_of_the_last_five_to_miss_the_intention(alice):
    friend = person(alice, Intention.PERSONAL, name="Friend")
    for days in (60, 50, 40, 30, 20, 10):
        log(alice, friend, days, Purpose.PROFESSIONAL)
    log(alice, friend, 70, Purpose.PERSONAL)  # the sixth most recent: outside the window

    drift, _ = drift_find(alice, Purpose.PERSONAL)

    assert [d.contact.pk for d in drift] == [friend.pk]
    assert drift[0].purposes == [Purpose.PROFESSIONAL] * 5


# Health, attention and circles ------------------------------------------------------------------------------


def test_health_counts_and_who(alice):
    # Close friends: personal cadence 30 days.
    recent = person(alice, name="Recent")
    log(alice, recent, 10, Purpose.PERSONAL)
    fading = person(alice, name="Fading")
    log(alice, fading, 45, Purpose.PERSONAL)
    lapsed = person(alice, name="Lapsed")
    log(alice, lapsed, 90, Purpose.PERSONAL)
    # A `both` contact shows its worse clock: professional (90 days) never touched since creation, 400 days.
    both = person(alice, Intention.BOTH, name="Both")
    log(alice, both, 5, Purpose.PERSONAL)
    person(alice, Intention.PROFESSIONAL, name="Not a friend")
    archived = person(alice, name="Archived")
    Contact.objects.filter(pk=archived.pk).update(archived_at=NOW)

    buckets = {b.health.value: b for b in people_overview(alice, Purpose.PERSONAL, TODAY).health}

    assert {h: b.count for h, b in buckets.items()} == {"recent": 1, "fading": 1, "lapsed": 2}
    assert [c.display_name for c in buckets["lapsed"].people] == ["Both", "Lapsed"]
    assert buckets["fading"].links == [
        ("Personal", "/contacts/?health=fading&intention=personal"),
        ("Both", "/contacts/?health=fading&intention=both"),
    ]


def test_health_lists_are_capped(alice):
    for i in range(LIST_CAP + 3):
        person(alice, name=f"Lapsed {i:02}")
    (lapsed,) = [b for b in people_overview(alice, Purpose.PERSONAL, TODAY).health if b.health == "lapsed"]
    assert lapsed.count == LIST_CAP + 3
    assert len(lapsed.people) == LIST_CAP
    assert lapsed.more == 3


def test_stored_clocks_agree_with_the_policy_on_every_day(alice):
    # The dashboards read health, elapsed days and the overdue score from the dates each contact stores;
    # on each day around them they say what the policy's counts of days say.
    table = alice.cadence_table()
    for circle, days, override in itertools.product(
        Circle.values, [0, 13, 14, 15, 29, 31, 100, 400], [None, 7]
    ):
        contact = person(alice, Intention.BOTH, circle=circle, personal_cadence_days=override)
        if days < 400:
            log(alice, contact, days, Purpose.PERSONAL)
            log(alice, contact, days + 3, Purpose.PROFESSIONAL)
    days = [TODAY + dt.timedelta(days=n) for n in range(-20, 400, 3)]
    for contact in Contact.objects.filter(owner=alice):
        facts = ContactFacts.from_contact(contact, alice.zone)
        last_on = {
            p: getattr(contact, f"last_{p}_at")
            and policy.local_date(getattr(contact, f"last_{p}_at"), alice.zone)
            for p in Purpose.values
        }
        for purpose in Purpose.values:
            clock = policy.ClockDates(
                *(getattr(contact, f"{purpose}_clock_{part}") for part in ("cadence", "due_on", "lapsed_on"))
            )
            cadence = policy.cadence_for(facts, purpose, table)
            assert clock.cadence == cadence
            for today in days:
                elapsed = policy.clock_elapsed(facts, purpose, last_on, today)
                assert (today - clock.due_on).days + cadence == elapsed
                assert clock.health(today) == policy.health(elapsed, cadence)
                assert clock.overdue_score(today) == pytest.approx(policy.overdue_score(elapsed, cadence))
        stored = policy.ClockState(
            policy.ClockDates(0, TODAY, TODAY),
            policy.ClockDates(0, TODAY, TODAY),
            contact.health_fading_on,
            contact.health_lapsed_on,
        )
        for today in days:
            assert stored.health(today) == policy.contact_health(facts, last_on, table, today)


def test_a_hundred_cadences_set_by_hand_still_rank_who_needs_attention(alice, client):
    # Two parts of the people statement per circle and cadence: more than SQLite takes in one statement.
    for days in range(1, 101):
        contact = person(
            alice, name=f"Every {days:03}", circle=Circle.values[days % 3], personal_cadence_days=days
        )
        log(
            alice, contact, 150, Purpose.PERSONAL
        )  # (150 - days) / days: the shortest cadence is the most late
    overview = people_overview(alice, Purpose.PERSONAL, TODAY)
    assert [a.contact.display_name for a in overview.attention] == [f"Every {d:03}" for d in range(1, 21)]
    assert overview.attention_total == 100
    client.force_login(alice)
    assert client.get(reverse("friendships")).status_code == 200


def test_attention_is_ranked_by_overdue_score_with_its_follow_up(alice):
    # A lapsed fortnightly friend outranks a slightly late half-yearly one.
    inner = person(alice, circle=Circle.INNER, name="Inner")
    log(alice, inner, 42, Purpose.PERSONAL)  # (42 - 14) / 14 = 2.0
    wider = person(alice, circle=Circle.WIDER, name="Wider")
    log(alice, wider, 200, Purpose.PERSONAL)  # (200 - 180) / 180 = 0.11
    fine = person(alice, name="Fine")
    log(alice, fine, 3, Purpose.PERSONAL)

    dashboard = dashboard_build(alice, Purpose.PERSONAL, TODAY, NOW)

    assert [(a.contact.display_name, round(a.score, 2)) for a in dashboard.attention] == [
        ("Inner", 2.0),
        ("Wider", 0.11),
    ]
    assert dashboard.attention_total == 2
    followup = dashboard.attention[0].followup
    assert followup is not None and followup.contact_id == inner.pk and followup.purpose == Purpose.PERSONAL


def test_someone_snoozed_from_the_dashboard_moves_below_those_still_waiting(alice):
    inner = person(alice, circle=Circle.INNER, name="Inner")
    log(alice, inner, 42, Purpose.PERSONAL)
    wider = person(alice, circle=Circle.WIDER, name="Wider")
    log(alice, wider, 200, Purpose.PERSONAL)
    before = dashboard_build(alice, Purpose.PERSONAL, TODAY, NOW)
    assert [a.contact.display_name for a, _ in before.attention_lines] == ["Inner", "Wider"]
    followup = before.attention[0].followup
    assert followup is not None

    followup_snooze(followup, TODAY + dt.timedelta(days=7))

    after = dashboard_build(alice, Purpose.PERSONAL, TODAY, NOW)
    assert [a.contact.display_name for a, _ in after.attention_lines] == ["Wider", "Inner"]


def test_circles_count_who_is_within_cadence(alice):
    on_time = person(alice, circle=Circle.INNER, name="On time")
    log(alice, on_time, 10, Purpose.PERSONAL)
    late = person(alice, circle=Circle.INNER, name="Late")
    log(alice, late, 20, Purpose.PERSONAL)
    person(alice, circle=Circle.WIDER, name="New", created_days_ago=5)

    rows = {r.circle: r for r in dashboard_build(alice, Purpose.PERSONAL, TODAY, NOW).circles}

    assert (rows["inner"].count, rows["inner"].met, rows["inner"].behind) == (2, 1, 1)
    assert [c.display_name for c in rows["inner"].people] == ["Late", "On time"]
    assert (rows["close"].count, rows["wider"].count, rows["wider"].met) == (0, 1, 1)


# Headline numbers and the chart -----------------------------------------------------------------------------


def test_headline_numbers(alice):
    friend = person(alice, name="Friend")
    colleague = person(alice, Intention.PROFESSIONAL, name="Colleague")
    person(alice, Intention.BOTH, name="Both")
    for days in (1, 29, 31, 89, 91, 200):
        log(alice, friend, days, Purpose.PERSONAL)
    log(alice, colleague, 2, Purpose.PROFESSIONAL)
    FollowUp.objects.filter(owner=alice).delete()
    FollowUpFactory(contact=friend, due_on=TODAY)
    FollowUpFactory(contact=friend, due_on=TODAY - dt.timedelta(days=3))
    FollowUpFactory(contact=friend, due_on=TODAY - dt.timedelta(days=3), state="snoozed", snoozed_until=TODAY)
    FollowUpFactory(contact=friend, due_on=TODAY + dt.timedelta(days=3))
    FollowUpFactory(contact=friend, due_on=TODAY - dt.timedelta(days=9), state="done")
    FollowUpFactory(contact=colleague, purpose=Purpose.PROFESSIONAL, due_on=TODAY - dt.timedelta(days=1))

    friendships = headline_numbers(alice, Purpose.PERSONAL, TODAY, NOW)
    network = headline_numbers(alice, Purpose.PROFESSIONAL, TODAY, NOW)

    assert (friendships.people, friendships.last_30, friendships.last_90) == (2, 2, 4)
    assert (friendships.due, friendships.overdue) == (2, 1)
    assert (network.people, network.last_30, network.last_90, network.due, network.overdue) == (2, 1, 1, 0, 1)


def test_interactions_per_month_counts_local_months(alice):
    friend = person(alice, name="Friend")
    # 31 May 23:30 UTC is 1 June 00:30 in London (BST): a June interaction.
    interaction_log(
        alice,
        [friend],
        occurred_at=dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC),
        purpose=Purpose.PERSONAL,
        setting=Setting.INFORMAL,
    )
    log(alice, friend, 40, Purpose.PROFESSIONAL)  # 1 May
    log(alice, friend, 400, Purpose.PERSONAL)  # outside the 12 months

    months = interactions_per_month(alice, TODAY)

    assert months[0].month == dt.date(2025, 7, 1)
    assert months[-1].month == dt.date(2026, 6, 1)
    assert (months[-1].personal, months[-1].professional) == (1, 0)
    assert (months[-2].personal, months[-2].professional) == (0, 1)
    assert sum(m.total for m in months) == 2


def test_balance_per_month_and_per_tag(alice):
    climbing, investors = TagFactory(owner=alice, name="climbing"), TagFactory(owner=alice, name="investors")
    friend = person(alice, name="Friend")
    friend.tags.add(climbing)
    angel = person(alice, Intention.BOTH, name="Angel")
    angel.tags.add(climbing, investors)
    log(alice, [friend, angel], 10, Purpose.PERSONAL)  # counts once for climbing
    log(alice, angel, 12, Purpose.PROFESSIONAL)
    log(alice, angel, 14, Purpose.PROFESSIONAL)

    balance = balance_build(alice, TODAY)

    assert (balance.personal, balance.professional, balance.personal_share) == (1, 2, 33)
    assert [(t.tag.name, t.personal, t.professional) for t in balance.tags] == [
        ("climbing", 1, 2),
        ("investors", 1, 2),
    ]


def test_the_balance_follows_an_edited_interaction_and_keeps_to_the_year_and_the_owner(alice, bob):
    climbing = TagFactory(owner=alice, name="climbing")
    friend = person(alice, name="Friend")
    friend.tags.add(climbing)
    lunch = log(alice, friend, 10, Purpose.PERSONAL)
    log(alice, friend, 400, Purpose.PERSONAL)  # more than a year ago
    bobs = TagFactory(owner=bob, name="climbing")
    bobs_friend = person(bob, name="Bob's friend")
    bobs_friend.tags.add(bobs)
    log(bob, bobs_friend, 10, Purpose.PROFESSIONAL)

    assert [(t.tag.pk, t.personal, t.professional) for t in balance_build(alice, TODAY).tags] == [
        (climbing.pk, 1, 0)
    ]
    # It was a work lunch after all; and then it moved to last week.
    interaction_update(lunch, purpose=Purpose.PROFESSIONAL, occurred_at=NOW - dt.timedelta(days=7))
    assert [(t.tag.pk, t.personal, t.professional) for t in balance_build(alice, TODAY).tags] == [
        (climbing.pk, 0, 1)
    ]


# Pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["friendships", "network", "balance"])
def test_an_empty_account_sees_the_empty_state(alice_client, name):
    response = alice_client.get(reverse(name))
    assert response.status_code == 200
    assert b'id="empty-state"' in response.content


@pytest.mark.parametrize("name", ["friendships", "network", "balance"])
def test_dashboards_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _populate(user, size: int) -> None:
    """`size` people of each intention with interactions of both purposes, at events and not, tagged."""
    tag = TagFactory(owner=user, name=f"tag-{size}")
    event = EventFactory(owner=user, setting=Setting.FORMAL)
    party = EventFactory(owner=user, setting=Setting.INFORMAL)
    for i in range(size):
        for intention in Intention.values:
            contact = person(user, intention, name=f"{intention} {i}", circle=Circle.values[i % 3])
            contact.tags.add(tag)
            log(user, contact, 100 + i, Purpose.PROFESSIONAL, kind=Kind.MET, event=event)
            log(user, contact, 90 + i, Purpose.PERSONAL, kind=Kind.MET, event=party)
            for days in (60, 30, 10, 5):
                log(user, contact, days + i, Purpose.PERSONAL if days % 20 else Purpose.PROFESSIONAL)


@pytest.mark.parametrize("name", ["friendships", "network", "balance"])
def test_query_counts_do_not_grow_with_the_data(
    alice_client, alice, bob, django_assert_max_num_queries, name
):
    _populate(alice, 2)
    with django_assert_max_num_queries(20) as small:
        assert alice_client.get(reverse(name)).status_code == 200
    _populate(alice, 12)
    _populate(bob, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = alice_client.get(reverse(name))
    assert response.status_code == 200
    assert b"tag-12" in response.content or name != "balance"


def test_the_dashboards_show_only_the_owners_data(alice_client, alice, bob):
    _populate(bob, 2)
    for name in ("friendships", "network", "balance"):
        response = alice_client.get(reverse(name))
        assert b'id="empty-state"' in response.content
        assert b"personal 0" not in response.content and b"tag-2" not in response.content


def test_the_dashboard_page_shows_its_numbers(alice_client, alice):
    summit = EventFactory(owner=alice, name="Design Systems London", setting=Setting.FORMAL)
    ines = person(alice, Intention.PROFESSIONAL, name="Inês Novak")
    log(alice, ines, 60, Purpose.PROFESSIONAL, kind=Kind.MET, event=summit)
    log(alice, ines, 40, Purpose.PROFESSIONAL)
    log(alice, ines, 10, Purpose.PROFESSIONAL)

    html = alice_client.get(reverse("network")).content.decode()

    assert 'data-number="people">1<' in html
    assert 'data-number="last-30">1<' in html
    assert 'data-number="last-90">3<' in html
    # The due and overdue tiles count follow-ups, as the Due page lists them, and lead there.
    due = reverse("due") + "#due-professional-h"
    assert f'<dt><a href="{due}">Follow-ups due today</a></dt>' in html
    assert f'<dt><a href="{due}">Follow-ups overdue</a></dt>' in html
    assert "Design Systems London" in html and "<strong data-lasting>1</strong> of 1 lasting" in html
    assert '<tr data-month="2026-06"><th scope="row">Jun 2026</th><td class="personal">0</td>' in html
    assert "style=" not in html


def test_one_click_log_records_an_interaction_of_the_dashboards_purpose(alice_client, alice):
    friend = person(alice, name="Friend")
    response = alice_client.post(
        reverse("dashboard_log", args=[friend.pk]), {"purpose": "personal", "next": "/friendships/"}
    )
    assert response.status_code == 302 and response["Location"] == "/friendships/"
    interaction = Interaction.objects.get(owner=alice)
    assert (interaction.purpose, interaction.setting, interaction.occurred_at) == (
        "personal",
        "informal",
        NOW,
    )
    friend.refresh_from_db()
    assert friend.last_personal_at == NOW


def test_one_click_log_refuses_an_unknown_purpose(alice_client, alice):
    friend = person(alice, name="Friend")
    response = alice_client.post(reverse("dashboard_log", args=[friend.pk]), {"purpose": "romantic"})
    assert response.status_code == 302
    assert not Interaction.objects.filter(owner=alice).exists()


def test_changing_a_drifting_contacts_intention_returns_to_the_dashboard(alice_client, alice):
    drifter = person(alice, Intention.PROFESSIONAL, name="Drifter")
    response = alice_client.post(
        reverse("contact_relationship", args=[drifter.pk]),
        {"intention": "personal", "circle": drifter.circle, "next": "/network/"},
    )
    assert response.status_code == 302 and response["Location"] == "/network/"
    drifter.refresh_from_db()
    assert drifter.intention == Intention.PERSONAL


def test_snoozing_from_the_dashboard_returns_to_it(alice_client, alice):
    inner = person(alice, circle=Circle.INNER, name="Inner")
    log(alice, inner, 42, Purpose.PERSONAL)
    html = alice_client.get(reverse("friendships")).content.decode()
    followup = FollowUp.objects.get(contact=inner, state="scheduled")
    assert reverse("followup_snooze", args=[followup.pk]) in html
    response = alice_client.post(
        reverse("followup_snooze", args=[followup.pk]), {"days": 7, "next": "/friendships/"}
    )
    assert response.status_code == 302 and response["Location"] == "/friendships/"
    followup.refresh_from_db()
    assert (followup.state, followup.snoozed_until) == ("snoozed", TODAY + dt.timedelta(days=7))


# How a person reads on a dashboard: lateness in words, one button, the rest in a menu ----------------------


def _elements(node, name: str | None = None):
    """Every element under `node` (a django.test.html tree), depth first, optionally of one tag name."""
    for child in getattr(node, "children", []):
        if isinstance(child, str):
            continue
        if name is None or child.name == name:
            yield child
        yield from _elements(child, name)


def _has_class(element, name: str) -> bool:
    return name in dict(element.attributes).get("class", "").split()


def _buttons_outside_and_inside_menus(row) -> tuple[list[str], list[str]]:
    """The texts of a row's buttons: those shown on the row, and those folded in its `.menu`."""
    inside = [
        str(b)
        for menu in _elements(row, "details")
        if _has_class(menu, "menu")
        for b in _elements(menu, "button")
    ]
    everything = [str(b) for b in _elements(row, "button")]
    return [b for b in everything if b not in inside], inside


def test_who_needs_attention_says_how_late_in_words_never_a_ratio(alice_client, alice):
    inner = person(alice, circle=Circle.INNER, name="Inner")
    log(alice, inner, 42, Purpose.PERSONAL)  # every 14 days: due 28 days ago, overdue score 2.0
    wider = person(alice, circle=Circle.WIDER, name="Wider")
    log(alice, wider, 200, Purpose.PERSONAL)  # every 180 days: due 20 days ago, overdue score 0.11

    html = alice_client.get(reverse("friendships")).content.decode()
    attention = html[html.index('id="attention"') : html.index('id="health"')]

    assert "4 weeks late" in attention and "2 weeks late" in attention
    assert not re.search(r"\d\.\d+\s*[x\u00d7]", attention), "an overdue ratio is printed"
    assert "days since" not in attention and "0.11" not in attention and "2.00" not in attention


def test_a_dashboard_person_has_one_button_and_the_rest_in_a_menu(alice_client, alice):
    inner = person(alice, circle=Circle.INNER, name="Inner")
    log(alice, inner, 42, Purpose.PERSONAL)
    drifter = person(alice, Intention.PERSONAL, name="Drifter")
    for days in (30, 20, 10):
        log(alice, drifter, days, Purpose.PROFESSIONAL)

    response = alice_client.get(reverse("friendships"), headers={"HX-Request": "true"})
    tree = parse_html(response.content.decode())
    rows = [li for li in _elements(tree, "li") if dict(li.attributes).get("data-contact")]
    assert {dict(row.attributes)["data-contact"] for row in rows} == {str(inner.pk), str(drifter.pk)}
    for row in rows:
        shown, folded = _buttons_outside_and_inside_menus(row)
        assert len(shown) == 1 and ">Log<" in shown[0].replace("\n", ""), shown
        assert folded, "no menu with the other actions"
    attention_row = next(row for row in rows if dict(row.attributes)["data-contact"] == str(inner.pk))
    _shown, folded = _buttons_outside_and_inside_menus(attention_row)
    assert any("Snooze" in b for b in folded) and any("Dismiss" in b for b in folded)
    assert any(s.name == "select" for s in _elements(attention_row, "select"))


EVENT_PEOPLE_FILL = ("dashboards", "0002_event_person_fill")


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_people_met_at_events_as_the_writers_do(migrator):
    apps = migrate_to_just_before(migrator, EVENT_PEOPLE_FILL)
    OldUser, OldContact = apps.get_model("accounts", "User"), apps.get_model("contacts", "Contact")
    OldEvent, OldInteraction = (
        apps.get_model("interactions", "Event"),
        apps.get_model("interactions", "Interaction"),
    )
    OldParticipation = apps.get_model("interactions", "Participation")
    owner = OldUser.objects.create(username="maya", email="maya@example.com")
    fair = OldEvent.objects.create(owner=owner, name="Fair", start_date=TODAY, setting=Setting.FORMAL)
    for n, days_after in enumerate([None, 5, 20]):
        met_at = NOW - dt.timedelta(days=100 + n)
        contact = OldContact.objects.create(
            owner=owner,
            display_name=f"Old {n}",
            intention=Intention.PROFESSIONAL,
            last_professional_at=met_at + dt.timedelta(days=days_after or 0),
            previous_professional_at=met_at + dt.timedelta(days=3) if days_after == 20 else None,
            professional_clock_lapsed_on=TODAY + dt.timedelta(days=n),
            archived_at=NOW if n == 1 else None,
        )
        for when in (met_at, met_at + dt.timedelta(hours=1)):
            meeting = OldInteraction.objects.create(
                owner=owner,
                occurred_at=when,
                kind=Kind.MET,
                purpose=Purpose.PROFESSIONAL,
                event=fair,
                setting=Setting.FORMAL,
            )
            OldParticipation.objects.create(
                owner=owner,
                interaction=meeting,
                contact=contact,
                occurred_at=when,
                purpose=Purpose.PROFESSIONAL,
                intention_then=Intention.PROFESSIONAL,
            )

    MigrationExecutor(connection).migrate([EVENT_PEOPLE_FILL])

    def rows():
        return sorted(
            EventPerson.objects.values_list(
                "contact__display_name",
                "event_id",
                "purpose",
                "first_met_at",
                "followed_up",
                "lasting",
                "lapsed_on",
                "active",
            )
        )

    migrated = rows()
    assert [
        (name, followed, lasting, active) for name, _e, _p, _m, followed, lasting, _l, active in migrated
    ] == [
        ("Old 0", False, False, True),
        ("Old 1", True, False, False),
        ("Old 2", True, True, True),
    ]
    event_people_refresh(Contact.objects.values_list("pk", flat=True))
    assert rows() == migrated
