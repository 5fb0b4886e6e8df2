"""The clock state each contact stores (contacts.clock) is what contacts.policy says of its full history.

Hypothesis plays random sequences of what changes clocks: contacts made and edited, interactions logged,
moved, re-purposed, given other people, made a meeting at another event or none, and deleted, events
deleted, quick capture at events (new and known people, a row's intention corrected), bulk changes,
LinkedIn imports (which bring old "connected on" dates), merges, a backup restored into a new account,
archive, deletion, time zone and cadence settings, and days passing. After every step, each contact's stored
dates must equal the policy's ClockState worked out here from the interactions table itself (never from the
timeline summary or any code that writes the state), the owner's settings and the contact's own fields, and
each event's outcome (people met, lasting, followed up) must equal what the interactions table and the
policy's clocks say; at the end, the dashboard's health counts and the contacts list's health filter must
agree with policy.contact_health.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
import time_machine
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given
from hypothesis import strategies as st

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts import policy
from contacts.actions import (
    BulkAction,
    contact_archive,
    contact_create,
    contact_delete,
    contact_update,
    contacts_bulk_change,
)
from contacts.models import Contact
from contacts.queries import contacts_health_filter
from dashboards.queries import _events_statement, _statement_rows, people_overview
from interactions.actions import (
    event_create,
    event_delete,
    interaction_delete,
    interaction_log,
    interaction_update,
)
from interactions.capture import CaptureInput, capture_row_save, capture_row_update
from interactions.models import Event, Interaction, Kind, Participation
from tests.factories import UserFactory
from tests.migrating import migrate_to_just_before
from transfer.backup import backup_build, backup_restore
from transfer.imports import import_file
from transfer.merge import contact_merge

START = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)
ZONES = ["Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]

intentions = st.sampled_from(Intention.values)
circles = st.sampled_from(Circle.values)
purposes = st.sampled_from(Purpose.values)
overrides = st.one_of(st.none(), st.integers(1, 120))
pick = st.integers(0, 50)  # an index into the current contacts or interactions, taken modulo their number

steps = st.one_of(
    st.tuples(st.just("create"), intentions, circles, overrides, overrides),
    st.tuples(st.just("log"), st.lists(pick, min_size=1, max_size=3), purposes, st.integers(0, 900)),
    st.tuples(st.just("move"), pick, st.integers(0, 900), purposes),
    st.tuples(st.just("unlog"), pick),
    st.tuples(st.just("edit"), pick, intentions, circles, overrides),
    st.tuples(
        st.just("bulk"), st.lists(pick, min_size=1, max_size=4), st.sampled_from([0, 1, 2]), st.booleans()
    ),
    st.tuples(st.just("capture"), intentions, st.integers(0, 40), pick),
    st.tuples(st.just("recapture"), pick, intentions),
    st.tuples(st.just("people"), pick, st.lists(pick, min_size=1, max_size=3)),
    # An interaction made a meeting at another event, or no longer one; an event deleted.
    st.tuples(st.just("reevent"), pick, pick, st.booleans()),
    st.tuples(st.just("unevent"), pick),
    st.tuples(st.just("import"), st.integers(1, 4), st.integers(0, 900)),
    st.tuples(st.just("merge"), pick, pick),
    st.tuples(st.just("restore")),
    st.tuples(st.just("archive"), pick),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)),
    st.tuples(st.just("cadence"), purposes, circles, st.integers(1, 200)),
    st.tuples(st.just("days"), st.integers(1, 400)),
)


def _contacts(user: User) -> list[Contact]:
    return list(Contact.objects.filter(owner=user).order_by("pk"))


def _history(user: User) -> dict[int, tuple[dict[str, dt.date], list[str]]]:
    """Per contact of the user, from the interactions table: the local date of its last interaction of each
    purpose, and the purposes of all its interactions, newest first (ties by the later interaction)."""
    zone = user.zone
    rows = Participation.objects.filter(contact__owner=user).order_by(
        "contact_id", "-interaction__occurred_at", "-interaction_id"
    )
    history: dict[int, tuple[dict[str, dt.date], list[str]]] = defaultdict(lambda: ({}, []))
    for contact_id, when, purpose in rows.values_list(
        "contact_id", "interaction__occurred_at", "interaction__purpose"
    ):
        last_on, purposes = history[contact_id]
        last_on.setdefault(purpose, policy.local_date(when, zone))
        purposes.append(purpose)
    return history


def _expected(user: User) -> dict[int, tuple[policy.ClockState, bool]]:
    """The policy's clock state of each of the user's contacts, and whether it drifts, from the full
    history."""
    user = User.objects.get(pk=user.pk)
    history = _history(user)
    expected = {}
    for contact in _contacts(user):
        last_on, purposes = history.get(contact.pk, ({}, []))
        facts = policy.ContactFacts.from_contact(contact, user.zone)
        state = policy.clock_state(facts, last_on, user.cadence_table())
        expected[contact.pk] = (state, policy.is_drifting(contact.intention, purposes))
    return expected


def _stored(contact: Contact) -> policy.ClockState:
    def clock(purpose: str) -> policy.ClockDates:
        return policy.ClockDates(
            *(getattr(contact, f"{purpose}_clock_{part}") for part in ("cadence", "due_on", "lapsed_on"))
        )

    return policy.ClockState(
        clock(Purpose.PERSONAL),
        clock(Purpose.PROFESSIONAL),
        contact.health_fading_on,
        contact.health_lapsed_on,
    )


def _check(user: User, step: tuple[object, ...]) -> None:
    expected = _expected(user)
    for contact in _contacts(user):
        assert (_stored(contact), contact.drifting) == expected[contact.pk], (step, contact.display_name)
    today = policy.local_date(dt.datetime.now(dt.UTC), user.zone)
    shown = {}
    for purpose in Purpose.values:
        for row in _statement_rows(_events_statement(user, purpose, today)):
            shown[purpose, row["event_id"]] = (row["met"], row["lasting"], row["followed_up"])
    assert shown == _events_expected(user, expected, today), step


def _events_expected(
    user: User, expected: dict[int, tuple[policy.ClockState, bool]], today: dt.date
) -> dict[tuple[str, int], tuple[int, int, int]]:
    """Per purpose and event, from the interactions table and the policy's clocks: how many people not
    archived were met there (a `met` interaction of the purpose), how many of them had two interactions of
    the purpose after their first meeting there with the clock not lapsed today (lasting), and how many had
    one (followed up)."""
    archived = {c.pk for c in _contacts(user) if c.archived_at is not None}
    times: dict[tuple[int, str], list[tuple[dt.datetime, int]]] = defaultdict(list)
    first_met: dict[tuple[str, int, int], dt.datetime] = {}
    rows = Participation.objects.filter(contact__owner=user).values_list(
        "contact_id",
        "interaction_id",
        "interaction__occurred_at",
        "interaction__purpose",
        "interaction__kind",
        "interaction__event_id",
    )
    for contact_id, interaction_id, when, purpose, kind, event_id in rows:
        times[contact_id, purpose].append((when, interaction_id))
        if kind == Kind.MET and event_id is not None and contact_id not in archived:
            key = (purpose, event_id, contact_id)
            first_met[key] = min(first_met.get(key, when), when)
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (purpose, event_id, contact_id), met_at in first_met.items():
        newest = sorted(times[contact_id, purpose], reverse=True)
        previous = newest[1][0] if len(newest) > 1 else None
        not_lapsed = expected[contact_id][0].clock(purpose).lapsed_on > today
        outcome = counts[purpose, event_id]
        outcome[0] += 1
        outcome[1] += previous is not None and previous > met_at and not_lapsed
        outcome[2] += newest[0][0] > met_at
    return {key: (met, lasting, followed) for key, (met, lasting, followed) in counts.items()}


def _linkedin(count: int, connected_on: dt.date, serial: int) -> bytes:
    day = connected_on.strftime("%d %b %Y")
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    # Every other row is someone already imported, whose "connected on" is then a new interaction.
    lines += [
        f"Person,Number {serial + n - n % 2},,p{serial + n - n % 2}@example.org,Acme,,{day}"
        for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def _run(user: User, step: tuple, clock: time_machine.Traveller, serial: int) -> User:
    """Play one step; returns the account the next steps play on (a restore moves to a new one)."""
    kind, *args = step
    contacts = _contacts(user)
    interactions = list(Interaction.objects.filter(owner=user).order_by("pk"))
    now = dt.datetime.now(dt.UTC)
    if kind == "create":
        intention, circle, own_personal, own_professional = args
        contact = contact_create(user, display_name=f"Person {serial}", intention=intention, circle=circle)
        contact_update(
            contact, personal_cadence_days=own_personal, professional_cadence_days=own_professional
        )
    elif kind == "log" and contacts:
        chosen, purpose, days_ago = args
        people = list({contacts[i % len(contacts)].pk: contacts[i % len(contacts)] for i in chosen}.values())
        setting = Setting.FORMAL if purpose == Purpose.PROFESSIONAL else Setting.INFORMAL
        interaction_log(
            user, people, occurred_at=now - dt.timedelta(days=days_ago), purpose=purpose, setting=setting
        )
    elif kind == "move" and interactions:
        index, days_ago, purpose = args
        interaction_update(
            interactions[index % len(interactions)],
            occurred_at=now - dt.timedelta(days=days_ago),
            purpose=purpose,
        )
    elif kind == "reevent" and interactions:
        index, other, met = args
        events = list(Event.objects.filter(owner=user).order_by("pk"))
        event = events[other % len(events)] if events and met else None
        interaction_update(
            interactions[index % len(interactions)], kind=Kind.MET if met else Kind.CONVERSATION, event=event
        )
    elif kind == "unevent" and (events := list(Event.objects.filter(owner=user).order_by("pk"))):
        event_delete(events[args[0] % len(events)])
    elif kind == "unlog" and interactions:
        interaction_delete(interactions[args[0] % len(interactions)])
    elif kind == "edit" and contacts:
        index, intention, circle, own = args
        contact_update(
            contacts[index % len(contacts)], intention=intention, circle=circle, personal_cadence_days=own
        )
    elif kind == "bulk" and contacts:
        chosen, value, intention = args
        ids = {contacts[i % len(contacts)].pk for i in chosen}
        if intention:
            contacts_bulk_change(user, ids, BulkAction.SET_INTENTION, Intention.values[value])
        else:
            contacts_bulk_change(user, ids, BulkAction.SET_CIRCLE, Circle.values[value])
    elif kind == "capture":
        # Quick capture at an event some days ago: a new person, or a known one met there again.
        intention, days_ago, known = args
        start = (now - dt.timedelta(days=days_ago)).date()
        event = event_create(user, name=f"Meetup {serial}", start_date=start, setting=Setting.INFORMAL)
        link = contacts[known % len(contacts)] if contacts and known % 2 else None
        row = CaptureInput(
            name=f"Met {serial}", intention=intention, link=link, confirmed_new=True, row_key=f"r{serial}"
        )
        capture_row_save(user, event, row, now=now)
    elif kind == "recapture":
        rows = list(Participation.objects.filter(owner=user, interaction__event__isnull=False).order_by("pk"))
        if rows:
            row = rows[args[0] % len(rows)]
            capture_row_update(row, name=row.contact.display_name, intention=args[1])
    elif kind == "people" and interactions and contacts:
        index, chosen = args
        people = list({contacts[i % len(contacts)].pk: contacts[i % len(contacts)] for i in chosen}.values())
        interaction_update(interactions[index % len(interactions)], contacts=people)
    elif kind == "import":
        count, days_ago = args
        data = _linkedin(count, (now - dt.timedelta(days=days_ago)).date(), serial % 4)
        import_file(user, data, intention=Intention.PROFESSIONAL, filename="Connections.csv")
    elif kind == "merge" and len(contacts) >= 2:
        keep, other = contacts[args[0] % len(contacts)], contacts[args[1] % len(contacts)]
        if keep.pk != other.pk:
            contact_merge(keep, other)
    elif kind == "restore":
        data = json.loads(json.dumps(backup_build(user), cls=DjangoJSONEncoder))
        user = UserFactory()
        backup_restore(user, data)
    elif kind == "archive" and contacts:
        contact = contacts[args[0] % len(contacts)]
        contact_archive(contact, archived=not contact.is_archived)
    elif kind == "delete" and contacts:
        contact_delete(contacts[args[0] % len(contacts)])
    elif kind == "zone":
        user.time_zone = args[0]
        user.settings_save({"time_zone"})
    elif kind == "cadence":
        purpose, circle, days = args
        setattr(user, f"{purpose}_{circle}_days", days)
        user.settings_save({f"{purpose}_{circle}_days"})
    elif kind == "days":
        clock.shift(dt.timedelta(days=args[0]))
    return user


@pytest.mark.django_db
@given(st.lists(steps, min_size=1, max_size=12))
def test_the_stored_clock_state_is_the_policys_after_any_sequence_of_writes(sequence):
    with time_machine.travel(START, tick=False) as clock:
        user = UserFactory()
        # A few people to begin with, so that the steps which change people have someone to change.
        for n, (intention, circle) in enumerate(zip(Intention.values, Circle.values, strict=True)):
            contact_create(user, display_name=f"First {n}", intention=intention, circle=circle)
        for serial, step in enumerate(sequence):
            user = _run(user, step, clock, serial)
            _check(user, step)
        user = User.objects.get(pk=user.pk)
        today = policy.local_date(dt.datetime.now(dt.UTC), user.zone)
        history = _history(user)
        health = {
            c.pk: policy.contact_health(
                policy.ContactFacts.from_contact(c, user.zone),
                history.get(c.pk, ({}, []))[0],
                user.cadence_table(),
                today,
            )
            for c in _contacts(user)
        }
        for purpose in Purpose.values:
            overview = people_overview(user, purpose, today)
            shown = {bucket.health: bucket.count for bucket in overview.health}
            kept = [
                c
                for c in _contacts(user)
                if c.archived_at is None and c.intention in (purpose, Intention.BOTH)
            ]
            assert shown == {h: sum(health[c.pk] == h for c in kept) for h in policy.Health}
            # Who needs attention, and who in each circle is within their cadence, by the policy's days.
            clocks = {}
            for c in kept:
                facts = policy.ContactFacts.from_contact(c, user.zone)
                last_on = history.get(c.pk, ({}, []))[0]
                elapsed = policy.clock_elapsed(facts, purpose, last_on, today)
                clocks[c.pk] = (elapsed, policy.cadence_for(facts, purpose, user.cadence_table()))
            late = sorted(
                (-policy.overdue_score(*clocks[c.pk]), c.display_name.lower(), c.pk)
                for c in kept
                if not c.reminders_paused and policy.overdue_score(*clocks[c.pk]) > 0
            )
            assert [a.contact.pk for a in overview.attention] == [pk for _, _, pk in late[:20]]
            assert overview.attention_total == len(late)
            for row in overview.circles:
                within = [c for c in kept if c.circle == row.circle and clocks[c.pk][0] <= clocks[c.pk][1]]
                assert (row.count, row.met) == (sum(c.circle == row.circle for c in kept), len(within))
        for h in policy.Health:
            listed = contacts_health_filter(Contact.objects.filter(owner=user), h, today)
            assert set(listed.values_list("pk", flat=True)) == {
                pk for pk, value in health.items() if value == h
            }


CLOCK_MIGRATION = ("contacts", "0012_clock_state")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_contacts_the_policys_state(migrator):
    apps = migrate_to_just_before(migrator, CLOCK_MIGRATION)
    OldUser = apps.get_model("accounts", "User")
    OldContact = apps.get_model("contacts", "Contact")
    owner = OldUser.objects.create(
        username="maya", email="maya@example.com", time_zone="Asia/Tokyo", personal_close_days=10
    )
    late = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)  # 1 June in Tokyo
    for n, (intention, circle) in enumerate(zip(Intention.values, Circle.values, strict=True)):
        contact = OldContact.objects.create(
            owner=owner,
            display_name=f"Old {n}",
            intention=intention,
            circle=circle,
            last_personal_at=late,
            recent_purposes="professional,professional,professional",
        )
        OldContact.objects.filter(pk=contact.pk).update(created_at=late - dt.timedelta(days=300))

    MigrationExecutor(connection).migrate([CLOCK_MIGRATION])

    user = User.objects.get(username="maya")
    for contact in Contact.objects.filter(owner=user):
        facts = policy.ContactFacts.from_contact(contact, user.zone)
        last_on = {Purpose.PERSONAL: dt.date(2026, 6, 1)}
        assert _stored(contact) == policy.clock_state(facts, last_on, user.cadence_table())
        assert contact.drifting == (contact.intention == Intention.PERSONAL)
    assert Contact.objects.get(owner=user, circle=Circle.CLOSE).personal_clock_due_on == dt.date(2026, 6, 11)
