"""An import writes in batches: its statements do not grow with its rows (a per-row query would make a
10,000-row import take minutes), and the follow-ups the batched re-plan leaves are the ones the engine plans
for a single contact."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Intention, Purpose
from contacts.actions import contact_update
from contacts.models import Contact
from contacts.policy import Reason
from followups.engine import (
    contacts_refresh_next_followup,
    followup_dismiss,
    followup_request,
    followup_snooze,
    followups_replan,
)
from followups.models import FollowUp
from transfer.imports import import_file

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)


def _vcards(count: int) -> bytes:
    cards = [
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"FN:Person {n}\r\nN:{n};Person;;;\r\nORG:Company {n % 3}\r\n"
        f"EMAIL:person{n}@example.org\r\nTEL;TYPE=CELL:+44 7700 {n:06d}\r\n"
        f"CATEGORIES:climbing,group{n % 4}\r\nNOTE:Met at the climbing wall\r\n"
        "END:VCARD\r\n"
        for n in range(count)
    ]
    return "".join(cards).encode()


def _connections(count: int) -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Person,Number {n},,p{n}@example.org,Acme,,01 Dec 2026" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def _statements(owner, data: bytes, filename: str, intention: str, capture) -> int:
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        result = import_file(owner, data, intention=intention, tags=["imported"], filename=filename)
    assert result.created == Contact.objects.filter(owner=owner).count() > 0
    return len(queries.captured_queries)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("make", "filename", "intention"),
    [
        (_vcards, "people.vcf", Intention.PERSONAL),
        (_connections, "Connections.csv", Intention.PROFESSIONAL),
    ],
)
def test_an_import_runs_the_same_statements_for_ten_rows_as_for_two_hundred(
    alice, bob, make, filename, intention, django_capture_on_commit_callbacks
):
    few = _statements(alice, make(10), filename, intention, django_capture_on_commit_callbacks)
    many = _statements(bob, make(200), filename, intention, django_capture_on_commit_callbacks)
    assert many == few
    # Every new contact got its clock, and its next follow-up date is that clock's.
    for contact in Contact.objects.filter(owner=bob):
        followup = FollowUp.objects.get(contact=contact)
        assert contact.next_followup_on == followup.due_on


@time_machine.travel(NOW, tick=False)
def test_a_re_plan_keeps_the_end_of_a_snooze_as_the_next_date(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_file(alice, _vcards(1), intention=Intention.PERSONAL, filename="people.vcf")
    person = Contact.objects.get(owner=alice)
    clock = FollowUp.objects.get(contact=person, purpose=Purpose.PERSONAL)
    followup_snooze(clock, clock.due_on + dt.timedelta(days=9))
    # A birthday re-plans the contact: the snoozed clock stays, and the birthday comes after its snooze.
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(person, birthday_month=3, birthday_day=1)
    followups_replan(alice, [person.pk])
    person.refresh_from_db()
    reasons = set(FollowUp.objects.filter(contact=person).values_list("reason", flat=True))
    assert reasons == {Reason.CADENCE, Reason.BIRTHDAY}
    assert person.next_followup_on == clock.due_on + dt.timedelta(days=9)


@time_machine.travel(NOW, tick=False)
def test_the_next_dates_a_re_plan_writes_are_the_ones_the_database_gives(
    alice, django_capture_on_commit_callbacks
):
    """The re-plan works the next follow-up date out from the rows it holds; reading it back from the
    database (`contacts_refresh_next_followup`) gives the same date for every kind of open follow-up."""
    with django_capture_on_commit_callbacks(execute=True):
        import_file(alice, _vcards(6), intention=Intention.BOTH, filename="people.vcf")
    people = list(Contact.objects.filter(owner=alice).order_by("pk"))
    soon = NOW.date() + dt.timedelta(days=3)
    followup_request(people[0], soon, "send the photos")
    followup_request(people[1], soon, "call back", purpose=Purpose.PROFESSIONAL)
    followup_snooze(FollowUp.objects.filter(contact=people[1]).order_by("due_on")[0], soon)
    followup_snooze(FollowUp.objects.filter(contact=people[2]).order_by("due_on")[0], soon)
    followup_dismiss(FollowUp.objects.filter(contact=people[3]).order_by("due_on")[0])
    contact_update(people[4], reminders_paused=True)
    contact_update(people[5], birthday_month=12, birthday_day=4)
    Contact.objects.filter(owner=alice).update(next_followup_on=None)
    followups_replan(alice, [p.pk for p in people])
    planned = dict(Contact.objects.filter(owner=alice).values_list("pk", "next_followup_on"))
    Contact.objects.filter(owner=alice).update(next_followup_on=dt.date(2000, 1, 1))
    contacts_refresh_next_followup([p.pk for p in people])
    read_back = dict(Contact.objects.filter(owner=alice).values_list("pk", "next_followup_on"))
    assert planned == read_back
    assert planned[people[0].pk] == soon and planned[people[4].pk] is None
