"""Dates out of range (issue 13, item 4): every date a form takes, an import reads or a backup restores lies
between the years of `accounts.dates`, and a date stored before those bounds existed breaks neither the
calendar feed, the digest nor follow-up planning."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Intention, Purpose, Setting
from contacts import policy
from contacts.forms import ContactForm
from contacts.models import Contact
from followups.digests import digests_send_due
from followups.engine import followups_replan
from followups.forms import RemindForm, SnoozeForm
from followups.models import FollowUp
from interactions.forms import CaptureRowForm, EventForm, InteractionForm
from interactions.models import Event, Interaction
from tests.factories import ContactFactory, EventFactory, FollowUpFactory, InteractionFactory
from transfer import backup
from transfer.backup import BackupRefused, backup_build, backup_restore
from transfer.imports import import_file
from transfer.reading import RowStatus, import_preview, import_read
from transfer.vcard import birthday_parse

pytestmark = pytest.mark.django_db

BOUNDS_MESSAGE = "Choose a date between 1900 and 2100."
YEAR_MESSAGE = "Choose a year between 1900 and 2100."
FAR_FUTURE = dt.date(9999, 12, 31)
HTMX = {"HX-Request": "true"}


# Quick capture's "remind me" line, and the calendar feed ---------------------------------------------------


def _capture_row(**data: str) -> dict[str, str]:
    return {"name": "Ana Núñez", "intention": Intention.PROFESSIONAL, "row_key": uuid.uuid4().hex, **data}


def test_a_capture_row_reminding_on_9999_12_31_is_refused_and_saves_nothing(alice_client, alice):
    event = EventFactory(owner=alice, setting=Setting.FORMAL, start_date=timezone.localdate())
    response = alice_client.post(
        reverse("capture_event", args=[event.pk]),
        _capture_row(remind_on=FAR_FUTURE.isoformat(), remind_note="send the deck"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert BOUNDS_MESSAGE in response.content.decode()
    assert not Contact.objects.filter(owner=alice).exists()


def test_the_calendar_feed_stays_up_with_a_follow_up_stored_on_9999_12_31(client, alice):
    ana = ContactFactory(owner=alice, display_name="Ana Lima")
    FollowUpFactory(contact=ana, due_on=FAR_FUTURE, note="stored before the bound existed")
    FollowUpFactory(contact=ana, due_on=timezone.localdate() + dt.timedelta(days=2), note="send the photos")
    response = client.get(reverse("calendar_feed", kwargs={"token": alice.calendar_token}))
    assert response.status_code == 200
    ics = response.content.decode()
    assert "send the photos" in ics
    assert "99991231" not in ics


def test_the_digest_goes_out_with_dates_stored_at_the_ends_of_the_calendar(alice):
    alice.time_zone = "America/New_York"
    alice.save()
    monday_8am = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)  # 08:00 in New York
    ana = ContactFactory(owner=alice, display_name="Ana Lima")
    FollowUpFactory(contact=ana, due_on=dt.date(2025, 6, 2), note="bring the book")
    FollowUpFactory(contact=ana, due_on=FAR_FUTURE, note="far away")
    FollowUpFactory(contact=ana, due_on=dt.date(1, 1, 1), note="long ago")
    InteractionFactory(
        owner=alice, occurred_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC), notes="a very old chat", contacts=[ana]
    )
    with time_machine.travel(monday_8am, tick=False):
        assert digests_send_due(monday_8am) == "1 sent"
    (message,) = mail.outbox
    assert "bring the book" in message.body and "a very old chat" in message.body


def _bound_forms(alice) -> dict[str, tuple[forms.BaseForm, str]]:
    """Every form with a date or a year, given one out of bounds, and the field that must refuse it."""
    ana = ContactFactory(owner=alice, intention=Intention.BOTH)
    today = dt.date(2025, 6, 2)
    event = {"name": "PyCon", "place": "Lisbon", "setting": Setting.FORMAL, "start_date": "2025-06-02"}
    contact = {"display_name": "Ana", "intention": Intention.PERSONAL, "circle": "close"}
    return {
        "event start": (EventForm(data={**event, "start_date": "1899-12-31"}), "start_date"),
        "event end": (EventForm(data={**event, "end_date": "2250-06-03"}), "end_date"),
        "interaction": (
            InteractionForm(alice, data={"occurred_on": "9999-12-31", "kind": "call", "setting": "formal"}),
            "occurred_on",
        ),
        "capture remind on": (
            CaptureRowForm(alice, data={"name": "Ana", "intention": "personal", "remind_on": "9999-12-31"}),
            "remind_on",
        ),
        "snooze until": (SnoozeForm(data={"until": "2101-01-01"}, today=today), "until"),
        "remind on": (
            RemindForm(data={"due_on": "9999-12-31", "note": "x"}, contact=ana, today=today),
            "due_on",
        ),
        "birthday year": (
            ContactForm(
                data={**contact, "birthday_month": "3", "birthday_day": "15", "birthday_year": "2101"}
            ),
            "birthday_year",
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "event start",
        "event end",
        "interaction",
        "capture remind on",
        "snooze until",
        "remind on",
        "birthday year",
    ],
)
def test_every_date_field_refuses_a_date_out_of_bounds_with_the_same_message(alice, name):
    form, field = _bound_forms(alice)[name]
    assert not form.is_valid()
    message = YEAR_MESSAGE if field == "birthday_year" else BOUNDS_MESSAGE
    assert form.errors[field] == [message]


def test_the_event_page_refuses_a_date_out_of_bounds_and_saves_nothing(alice_client, alice):
    data = {"name": "PyCon", "place": "Lisbon", "setting": Setting.FORMAL, "start_date": "0001-01-01"}
    response = alice_client.post(reverse("event_create"), data)
    assert response.status_code == 200
    assert BOUNDS_MESSAGE in response.content.decode()
    assert not Event.objects.filter(owner=alice).exists()


# Imports --------------------------------------------------------------------------------------------------


LINKEDIN_HEADER = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def test_a_linkedin_connection_on_9999_12_31_imports_without_crashing_planning(
    alice, django_capture_on_commit_callbacks
):
    body = LINKEDIN_HEADER + b"Sam,Okafor,,sam@okafor.example,Northwind,CTO,9999-12-31\n"
    (preview,) = import_preview(alice, import_read(body)[1])
    assert preview.status == RowStatus.NEW
    assert preview.card.connected_on is None
    assert any("9999-12-31" in reason for reason in preview.reasons)
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(alice, body, intention=Intention.PROFESSIONAL, filename="Connections.csv")
    assert result.created == 1
    sam = Contact.objects.get(owner=alice)
    assert not Interaction.objects.filter(owner=alice).exists()
    # Its clock starts at the import, as for any contact without history.
    (followup,) = FollowUp.objects.filter(contact=sam)
    assert followup.due_on > timezone.localdate()


@pytest.mark.parametrize("year", ["0001", "1899", "2101", "9999"])
def test_a_vcard_birthday_year_out_of_bounds_keeps_the_day_and_drops_the_year(alice, year):
    assert birthday_parse(f"{year}-03-15") == (3, 15, None)
    body = f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana\r\nBDAY:{year}0315\r\nEND:VCARD\r\n".encode()
    import_file(alice, body, intention=Intention.PERSONAL, filename="ana.vcf")
    ana = Contact.objects.get(owner=alice)
    assert (ana.birthday_month, ana.birthday_day, ana.birthday_year) == (3, 15, None)


# A restored backup ----------------------------------------------------------------------------------------


@pytest.fixture
def alice_backup(alice) -> dict:
    ana = ContactFactory(owner=alice, display_name="Ana")
    InteractionFactory(owner=alice, contacts=[ana])
    FollowUpFactory(contact=ana)
    return json.loads(json.dumps(backup_build(alice)))


@pytest.mark.parametrize(
    ("part", "field", "value"),
    [
        ("interactions", "occurred_at", "0001-01-01T00:00:00+00:00"),
        ("interactions", "created_at", "9999-12-31T23:59:59+00:00"),
        ("contacts", "created_at", "0001-01-01T00:00:00+00:00"),
        ("followups", "due_on", "9999-12-31"),
    ],
)
def test_a_backup_with_a_date_out_of_bounds_is_refused_naming_the_field_and_leaves_nothing(
    bob, alice_backup, part, field, value
):
    alice_backup[part][0][field] = value
    with pytest.raises(BackupRefused, match=field) as refused:
        backup_restore(bob, alice_backup)
    assert "1900" in str(refused.value) and "2100" in str(refused.value)
    assert backup.account_is_empty(bob)


def test_the_restore_page_refuses_an_interaction_at_0001_01_01(client, bob, alice_backup):
    alice_backup["interactions"][0]["occurred_at"] = "0001-01-01T00:00:00+00:00"
    client.force_login(bob)
    body = json.dumps(alice_backup).encode()
    response = client.post(reverse("backup_restore"), {"file": SimpleUploadedFile("backup.json", body)})
    assert response.status_code == 400
    assert "occurred_at" in response.content.decode()
    assert backup.account_is_empty(bob)
    assert client.get(reverse("home")).status_code == 200


# The policy never sees a date it cannot place -------------------------------------------------------------


def test_the_policy_places_an_interaction_stored_at_0001_01_01_in_any_time_zone():
    class Stored:
        occurred_at = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        purpose, kind, event_id = Purpose.PERSONAL, "conversation", None

    touch = policy.Touch.from_interaction(Stored(), ZoneInfo("America/New_York"))
    assert touch.on.year >= 1899


def test_planning_a_contact_with_an_interaction_stored_on_9999_12_31_does_not_crash(alice):
    ana = ContactFactory(owner=alice, intention=Intention.BOTH)
    at = dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC)
    InteractionFactory(owner=alice, occurred_at=at, purpose=Purpose.PROFESSIONAL, contacts=[ana])
    InteractionFactory(owner=alice, occurred_at=at, kind="met", contacts=[ana])
    followups_replan(alice, [ana.pk])
    assert FollowUp.objects.filter(contact=ana).count() == 2


def test_planning_an_interaction_on_the_last_day_of_the_bounds_plans_a_follow_up(alice_client, alice):
    ana = ContactFactory(owner=alice, intention=Intention.PROFESSIONAL, circle="wider")
    last = dt.datetime(2100, 12, 31, 12, tzinfo=alice.zone)
    InteractionFactory(owner=alice, occurred_at=last, purpose=Purpose.PROFESSIONAL, contacts=[ana])
    followups_replan(alice, [ana.pk])
    (followup,) = FollowUp.objects.filter(contact=ana)
    assert followup.due_on > last.date()
    assert (
        alice_client.get(reverse("calendar_feed", kwargs={"token": alice.calendar_token})).status_code == 200
    )
