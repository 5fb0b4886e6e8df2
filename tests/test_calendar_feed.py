"""The private calendar feed (followups.icalendar): upcoming follow-ups as all-day iCalendar events."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Purpose
from accounts.deletion import account_deletion_request
from accounts.formats import content_line_fold
from followups.icalendar import ics_escape
from followups.models import FollowUpState
from tests.factories import ContactFactory, FollowUpFactory

pytestmark = pytest.mark.django_db


def feed_url(user) -> str:
    return reverse("calendar_feed", kwargs={"token": user.calendar_token})


def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def events(ics: str) -> list[dict[str, str]]:
    found, current = [], None
    for line in unfold(ics):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def today(user) -> dt.date:
    return timezone.localdate(timezone=user.zone)


def test_it_lists_open_follow_ups_as_all_day_events_without_logging_in(client, alice):
    ana = ContactFactory(owner=alice, display_name="Ana Lima")
    on = today(alice) + dt.timedelta(days=3)
    followup = FollowUpFactory(contact=ana, due_on=on, note="send the photos")
    response = client.get(feed_url(alice))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    ics = response.content.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    (event,) = events(ics)
    assert event["DTSTART;VALUE=DATE"] == f"{on:%Y%m%d}"
    assert event["DTEND;VALUE=DATE"] == f"{on + dt.timedelta(days=1):%Y%m%d}"
    assert event["SUMMARY"] == "Follow up with Ana Lima (Friendships)"
    assert event["DESCRIPTION"] == "send the photos"
    assert event["UID"] == f"followup-{followup.pk}@127.0.0.1"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])


def test_the_uid_stays_when_the_date_moves(client, alice):
    followup = FollowUpFactory(contact__owner=alice, due_on=today(alice))
    (before,) = events(client.get(feed_url(alice)).content.decode())
    followup.due_on += dt.timedelta(days=5)
    followup.save()
    (after,) = events(client.get(feed_url(alice)).content.decode())
    assert before["UID"] == after["UID"]
    assert before["DTSTART;VALUE=DATE"] != after["DTSTART;VALUE=DATE"]


def test_a_snoozed_follow_up_shows_on_the_end_of_its_snooze(client, alice):
    until = today(alice) + dt.timedelta(days=7)
    FollowUpFactory(contact__owner=alice, state=FollowUpState.SNOOZED, snoozed_until=until)
    (event,) = events(client.get(feed_url(alice)).content.decode())
    assert event["DTSTART;VALUE=DATE"] == f"{until:%Y%m%d}"


def test_closed_follow_ups_and_paused_or_archived_contacts_are_left_out(client, alice, bob):
    FollowUpFactory(contact__owner=alice, state=FollowUpState.DONE)
    FollowUpFactory(contact__owner=alice, state=FollowUpState.DISMISSED)
    FollowUpFactory(contact=ContactFactory(owner=alice, reminders_paused=True))
    FollowUpFactory(contact=ContactFactory(owner=alice, archived_at=timezone.now()))
    FollowUpFactory(contact__owner=bob)
    assert events(client.get(feed_url(alice)).content.decode()) == []


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets(client, alice):
    name = "Smith, Jo; the \\ one\nwith a newline " + "é" * 60
    FollowUpFactory(contact=ContactFactory(owner=alice, display_name=name), purpose=Purpose.PERSONAL)
    ics = client.get(feed_url(alice)).content.decode()
    for line in ics.encode().split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # never cut inside a character
    (event,) = events(ics)
    assert event["SUMMARY"] == ics_escape(f"Follow up with {name} (Friendships)")
    assert event["SUMMARY"].startswith("Follow up with Smith\\, Jo\\; the \\\\ one\\nwith a newline")


def test_escape_and_fold_follow_rfc_5545():
    assert ics_escape("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = content_line_fold("X" * 200)
    assert [len(line) for line in folded.split("\r\n")] == [75, 75, 52]
    assert folded.replace("\r\n ", "") == "X" * 200


def test_an_unknown_token_is_not_found(client, alice):
    assert client.get(reverse("calendar_feed", kwargs={"token": "nope"})).status_code == 404


def test_an_account_being_deleted_has_no_feed(client, alice):
    assert client.get(feed_url(alice)).status_code == 200
    account_deletion_request(alice)
    assert client.get(feed_url(alice)).status_code == 404


def test_making_a_new_link_revokes_the_old_one(client, alice):
    old = feed_url(alice)
    client.force_login(alice)
    assert client.get(reverse("calendar_renew")).status_code == 405
    response = client.post(reverse("calendar_renew"))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(feed_url(alice)).status_code == 200
    assert feed_url(alice) in client.get(reverse("settings")).content.decode()
