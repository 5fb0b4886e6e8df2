"""PRODUCT.md, "Clocks from imported history": an import that leaves clocks overdue spreads their follow-ups
over the cadence that starts on the import day, at each contact's place in the import, instead of making
them all due at once; the first interaction the user logs puts the clock back on the plain rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter

import pytest
import time_machine

from accounts.choices import DEFAULT_CADENCE_DAYS, Circle, Intention, Purpose
from contacts.models import Contact
from contacts.policy import (
    ContactFacts,
    clock_due,
    imported_clock_due,
    is_working_day,
    working_days_from,
)
from followups.engine import followups_replan
from followups.models import FollowUp
from interactions.actions import interaction_log
from tests.factories import ContactFactory, EmailAddressFactory
from transfer.csvfiles import CONTACT_COLUMNS
from transfer.imports import import_file

pytestmark = pytest.mark.django_db

IMPORT_DAY = dt.date(2026, 12, 2)  # a Wednesday
TABLE = DEFAULT_CADENCE_DAYS


def facts(**fields: object) -> ContactFacts:
    values: dict[str, object] = {
        "intention": Intention.PROFESSIONAL,
        "circle": Circle.CLOSE,
        "created_on": IMPORT_DAY,
        "imported_on": IMPORT_DAY,
        "import_position": 0.5,
    }
    return ContactFacts(**{**values, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("since", "position", "expected"),
    [
        # Overdue at the import: spread. Position 0 is the import day itself (a working day).
        (dt.date(2020, 1, 3), 0.0, IMPORT_DAY),
        # The last place is the last working day of the 90 days from the import day (Monday 1 March).
        (dt.date(2020, 1, 3), 0.9999, dt.date(2027, 3, 1)),
        # Not yet overdue at the import: the plain rule.
        (dt.date(2026, 10, 1), 0.5, None),
        # A touch on or after the import day (the user logged one): the plain rule.
        (IMPORT_DAY, 0.5, None),
    ],
)
def test_an_imported_overdue_clock_is_due_at_its_place_in_the_cadence(since, position, expected):
    assert imported_clock_due(facts(import_position=position), Purpose.PROFESSIONAL, since, 90) == expected


def test_without_an_import_the_clock_keeps_the_plain_rule():
    plain = clock_due(
        facts(imported_on=None, import_position=None), Purpose.PROFESSIONAL, dt.date(2020, 1, 3), TABLE
    )
    assert plain is not None and plain.due_on == dt.date(2020, 4, 2)


def test_a_personal_clock_is_spread_over_every_day_of_its_cadence():
    friend = facts(intention=Intention.PERSONAL, import_position=0.5)
    due = clock_due(friend, Purpose.PERSONAL, dt.date(2020, 1, 3), TABLE)
    assert due is not None and due.due_on == IMPORT_DAY + dt.timedelta(days=15)
    # The clock behind it still starts at the old touch: health and the overdue score tell the truth.
    assert due.since == dt.date(2020, 1, 3)


def _connections(count: int) -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Person,Number {n},,p{n}@example.org,,,03 Jan 2020" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


@time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False)
def test_500_old_connections_never_make_500_follow_ups_due_at_once(alice):
    import_file(alice, _connections(500), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    dates = list(
        FollowUp.objects.filter(owner=alice, purpose=Purpose.PROFESSIONAL).values_list("due_on", flat=True)
    )
    assert len(dates) == 500
    cadence = TABLE[Purpose.PROFESSIONAL][Circle.CLOSE]
    assert min(dates) >= IMPORT_DAY
    assert max(dates) < IMPORT_DAY + dt.timedelta(days=cadence)
    assert all(is_working_day(day) for day in dates)
    busiest = max(Counter(dates).values())
    assert busiest <= math.ceil(500 / working_days_from(IMPORT_DAY, cadence)) + 2


@time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False)
def test_the_first_interaction_logged_puts_the_clock_back_on_the_plain_rule(alice):
    import_file(alice, _connections(20), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    person = Contact.objects.filter(owner=alice).order_by("pk").last()
    assert person is not None
    spread = FollowUp.objects.get(contact=person, purpose=Purpose.PROFESSIONAL).due_on
    assert spread > IMPORT_DAY
    now = dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    interaction_log(alice, [person], occurred_at=now, purpose=Purpose.PROFESSIONAL, setting="formal")
    planned = FollowUp.objects.get(contact=person, purpose=Purpose.PROFESSIONAL, state="scheduled")
    # 2 December + 90 days is Tuesday 2 March, a working day.
    assert planned.due_on == dt.date(2027, 3, 2)


@time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False)
def test_a_known_contact_who_gains_an_old_connection_takes_a_place_too(alice):
    known = ContactFactory(owner=alice, display_name="Person Number 0", intention=Intention.PROFESSIONAL)
    EmailAddressFactory(contact=known, address="p0@example.org")
    import_file(alice, _connections(3), intention=Intention.PROFESSIONAL, filename="Connections.csv")
    known.refresh_from_db()
    assert known.imported_on == IMPORT_DAY
    assert FollowUp.objects.get(contact=known, purpose=Purpose.PROFESSIONAL).due_on >= IMPORT_DAY


def _followups(owner) -> list[tuple]:
    rows = FollowUp.objects.filter(owner=owner).order_by("contact_id", "reason", "purpose", "due_on")
    return list(
        rows.values_list("contact_id", "reason", "purpose", "due_on", "clock_since", "cadence_days", "state")
    )


@pytest.mark.parametrize("time_zone", ["Europe/London", "Pacific/Kiritimati", "America/Adak"])
def test_an_import_plans_its_new_contacts_as_a_replan_would(alice, time_zone):
    """New contacts are planned before they are written (followups_plan_new): re-planning them afterwards
    from the rows in the database changes nothing, for Kith's contacts CSV (birthdays, archived, paused,
    every intention and circle) and LinkedIn connections, in time zones far from UTC."""
    alice.time_zone = time_zone
    alice.save()
    out = io.StringIO()
    writer = csv.DictWriter(out, CONTACT_COLUMNS)
    writer.writeheader()
    for i in range(60):
        writer.writerow(
            {
                "Name": f"Row {i}",
                "Intention": ["personal", "professional", "both"][i % 3],
                "Circle": ["inner", "close", "wider"][i % 3] if i % 4 else "",
                "Birthday": f"19{50 + i % 50}-{(i % 12) + 1:02}-{(i % 28) + 1:02}" if i % 2 else "",
                "Archived": "2026-11-01" if i % 11 == 0 else "",
                "Reminders paused": "yes" if i % 13 == 0 else "",
            }
        )
    with time_machine.travel(dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC), tick=False):
        import_file(alice, out.getvalue().encode(), intention=Intention.BOTH, filename="contacts.csv")
        import_file(alice, _connections(60), intention=Intention.PROFESSIONAL, filename="Connections.csv")
        contacts = Contact.objects.filter(owner=alice)
        assert contacts.count() == 120
        assert contacts.filter(archived_at__isnull=False).count() == 6
        assert contacts.filter(reminders_paused=True).count() == 5
        planned = _followups(alice)
        next_dates = dict(contacts.values_list("pk", "next_followup_on"))
        assert len(set(next_dates.values())) > 10, "the plans should differ"
        assert followups_replan(alice, contacts.values_list("pk", flat=True)) == 0
        assert _followups(alice) == planned
        assert dict(contacts.values_list("pk", "next_followup_on")) == next_dates
