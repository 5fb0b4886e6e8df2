"""How a digest reads (issue 18, items 1 and 2; PRODUCT.md, "The digest"): each item a note from a friend
(who, why now, one step, the user's own note once), Kith's own words never shown as a memory, a subject in
plain English, an email laid out for mail clients, and the morning-after recap of everyone met at an event.

The week: PyCon on Thursday 29 May 2025; the professional follow-ups of the people met there are due the next
working day, Friday 30 May, whose 08:00 London digest is the morning-after recap.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.choices import Intention, Purpose
from contacts.models import Contact
from contacts.policy import Reason
from followups.digest_content import subject_names
from followups.digests import digests_send_due
from followups.engine import REACHED_OUT_NOTES, followup_done, followup_snooze
from followups.models import FollowUp, FollowUpState
from interactions.capture import CaptureInput, capture_row_save
from interactions.models import Event
from tests.factories import ContactFactory, EventFactory, InteractionFactory

pytestmark = pytest.mark.django_db

THURSDAY = dt.date(2025, 5, 29)
FRIDAY = dt.date(2025, 5, 30)
MONDAY = dt.date(2025, 6, 2)
LONDON_8AM_UTC = dt.time(7, 0)  # 08:00 in London in summer (BST)


def at_8am(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, LONDON_8AM_UTC, tzinfo=dt.UTC)


def send_digest_of(day: dt.date):
    """Run the tick at the day's digest hour and return the one email it sent."""
    before = len(mail.outbox)
    with time_machine.travel(at_8am(day), tick=False):
        assert digests_send_due(at_8am(day)) == "1 sent"
    assert len(mail.outbox) == before + 1
    return mail.outbox[-1]


def html(message) -> str:
    return message.alternatives[0].content


def met_at(owner, event: Event, name: str, note: str, intention: str = Intention.PROFESSIONAL) -> Contact:
    """One quick-capture row at `event`, saved on its day at 19:00 London time, as capture saves it."""
    moment = dt.datetime.combine(event.start_date, dt.time(18, 0), tzinfo=dt.UTC)
    row = CaptureInput(name=name, intention=intention, context=note, confirmed_new=True)
    with time_machine.travel(moment, tick=False):
        result = capture_row_save(owner, event, row, now=moment)
    assert result.participation is not None
    return result.participation.contact


@pytest.fixture
def pycon(alice) -> Event:
    return EventFactory(owner=alice, name="PyCon", start_date=THURSDAY, setting="formal")


# Each item reads like a note from a friend ----------------------------------------------------------------


def test_a_quick_capture_note_is_said_once(alice, pycon):
    met_at(alice, pycon, "Anna Schmidt", "just moved from Hamburg")
    message = send_digest_of(FRIDAY)
    for part in (message.body, html(message)):
        assert part.count("just moved from Hamburg") == 1, part
    assert "Notes:" not in message.body and "Remember:" not in message.body


def test_a_personal_friends_last_note_and_their_notes_are_not_repeated(alice):
    ana = ContactFactory(owner=alice, display_name="Ana", notes="Loves climbing")
    InteractionFactory(
        owner=alice,
        contacts=[ana],
        purpose=Purpose.PERSONAL,
        notes="Loves climbing",
        occurred_at=at_8am(MONDAY),
    )
    FollowUp.objects.create(
        owner=alice,
        contact=ana,
        purpose=Purpose.PERSONAL,
        reason=Reason.REQUESTED,
        due_on=FRIDAY + dt.timedelta(7),
    )
    message = send_digest_of(FRIDAY + dt.timedelta(7))
    # The note is the last time's memory, and not also a "Remember:" line; a day within the week is named.
    assert message.body.count("Loves climbing") == 1
    assert "Last time, Monday: Loves climbing" in message.body


def test_a_snoozed_follow_up_says_it_was_snoozed(alice):
    ana = ContactFactory(owner=alice, display_name="Ana")
    followup = FollowUp.objects.create(
        owner=alice,
        contact=ana,
        purpose=Purpose.PERSONAL,
        reason=Reason.CADENCE,
        clock_since=MONDAY - dt.timedelta(days=40),
        cadence_days=30,
        due_on=MONDAY - dt.timedelta(days=10),
    )
    send_digest_of(MONDAY)
    followup.refresh_from_db()
    followup_snooze(followup, MONDAY + dt.timedelta(days=2))
    message = send_digest_of(MONDAY + dt.timedelta(days=2))
    assert "You snoozed this until today." in message.body
    assert "You snoozed this until today." in html(message)


def test_kiths_i_reached_out_note_is_never_shown_as_a_memory(alice):
    ana = ContactFactory(owner=alice, display_name="Ana", intention=Intention.PERSONAL, circle="inner")
    ben = ContactFactory(owner=alice, display_name="Ben", intention=Intention.PERSONAL, circle="inner")
    with time_machine.travel(at_8am(MONDAY), tick=False):
        for contact, note in ((ana, ""), (ben, "send the photos")):
            followup = FollowUp.objects.create(
                owner=alice,
                contact=contact,
                purpose=Purpose.PERSONAL,
                reason=Reason.REQUESTED,
                due_on=MONDAY,
                note=note,
            )
            followup_done(followup)
    # The inner circle's 14 days later, their clocks are due again.
    later = MONDAY + dt.timedelta(days=14)
    message = send_digest_of(later)
    for part in (message.body, html(message)):
        assert REACHED_OUT_NOTES not in part and "from a follow-up reminder" not in part
        assert "Last time" not in part
    assert "You last reached out on 2 Jun." in message.body
    assert "You last reached out on 2 Jun: send the photos" in message.body


def test_the_subject_names_up_to_two_people_in_plain_english(alice):
    names = ["Anna", "Bruno", "Chen", "Dara", "Eli"]
    for n, name in enumerate(names):
        ContactFactory(owner=alice, display_name=name)
        FollowUp.objects.create(
            owner=alice,
            contact=Contact.objects.get(display_name=name),
            purpose=Purpose.PERSONAL,
            reason=Reason.CADENCE,
            clock_since=MONDAY - dt.timedelta(days=60 - n),
            cadence_days=30,
            due_on=MONDAY - dt.timedelta(days=30 - n),
        )
    assert send_digest_of(MONDAY).subject == "Follow up with Anna, Bruno and 3 more"
    assert subject_names(["Anna"], 1) == "Anna"
    assert subject_names(["Anna", "Bruno"], 2) == "Anna and Bruno"
    assert subject_names(["Anna"], 4) == "Anna and 3 more"


def test_two_people_are_joined_by_and_in_the_subject(alice):
    for name, late in (("Hugo Brenner", 20), ("Kai Sommer", 10)):
        FollowUp.objects.create(
            owner=alice,
            contact=ContactFactory(owner=alice, display_name=name),
            purpose=Purpose.PERSONAL,
            reason=Reason.CADENCE,
            clock_since=MONDAY - dt.timedelta(days=30 + late),
            cadence_days=30,
            due_on=MONDAY - dt.timedelta(days=late),
        )
    assert send_digest_of(MONDAY).subject == "Follow up with Hugo Brenner and Kai Sommer"


def test_the_html_is_made_for_mail_clients_light_and_dark(alice, pycon):
    met_at(alice, pycon, "Anna Schmidt", "just moved from Hamburg")
    body = html(send_digest_of(FRIDAY))
    assert '<meta name="color-scheme" content="light dark">' in body
    assert "prefers-color-scheme: dark" in body
    assert 'role="presentation"' in body and "max-width:600px" in body
    # Nothing a mail client would block or fetch: no images, scripts or stylesheets from elsewhere.
    for tag in ("<img", "<script", "<link"):
        assert tag not in body


# The morning-after recap ----------------------------------------------------------------------------------


def test_people_met_at_one_event_come_as_one_recap_with_a_link_to_add_someone(alice, alice_client, pycon):
    for name, note in (
        ("Anna Schmidt", "just moved from Hamburg"),
        ("Bruno Costa", "wants the slides"),
        ("Chen Li", "hiring a data engineer"),
    ):
        met_at(alice, pycon, name, note)
    FollowUp.objects.create(
        owner=alice,
        contact=ContactFactory(owner=alice, display_name="Dora Old", intention=Intention.PROFESSIONAL),
        purpose=Purpose.PROFESSIONAL,
        reason=Reason.CADENCE,
        clock_since=FRIDAY - dt.timedelta(days=100),
        cadence_days=90,
        due_on=FRIDAY - dt.timedelta(days=10),
    )
    message = send_digest_of(FRIDAY)
    text = message.body
    assert "From PyCon, Thursday: you met Anna Schmidt, Bruno Costa and Chen Li." in text
    recap = text.split("From PyCon, Thursday")[1].split("Forgot someone?")[0]
    assert "Dora Old" not in recap  # not met there: she stands on her own
    for name, note in (("Anna Schmidt", "just moved"), ("Bruno Costa", "the slides"), ("Chen Li", "hiring")):
        item = recap.split(f"* {name}\n")[1].split("\n* ")[0]
        assert note in item
        assert "Thank them for the conversation, and share what you promised." in item
        assert re.search(r"I reached out: http\S+/done/", item) and re.search(
            r"Snooze: http\S+/snooze/", item
        )
    (add,) = re.findall(r"Forgot someone\? Add them to PyCon: (\S+)", text)
    assert urlsplit(add).path == reverse("capture_event", args=[pycon.pk])
    assert alice_client.get(urlsplit(add).path).status_code == 200
    page = html(message)
    assert (
        ">From PyCon, Thursday</h3>" in page
        and "You met Anna Schmidt, Bruno Costa and Chen Li there." in page
    )
    assert "Add them to PyCon</a>" in page
    # Each person's "I reached out" works in one click (and a confirmation, as every digest link does).
    done = re.search(r"\* Bruno Costa\n(?:.*\n)*?  I reached out: (\S+)", text).group(1)
    with time_machine.travel(at_8am(FRIDAY) + dt.timedelta(hours=1), tick=False):
        assert alice_client.post(urlsplit(done).path).status_code == 200
    closed = FollowUp.objects.get(contact__display_name="Bruno Costa", reason=Reason.AFTER_MEETING)
    assert closed.state == FollowUpState.DONE


def test_a_recap_words_each_person_by_the_purpose_of_the_meeting(alice):
    party = EventFactory(owner=alice, name="Lena's birthday", start_date=THURSDAY, setting="informal")
    met_at(alice, party, "Rita", "her sister just had a baby", Intention.PERSONAL)
    met_at(alice, party, "Sam", "", Intention.PERSONAL)
    # Personal after-meeting follow-ups come two days after the meeting: Saturday.
    message = send_digest_of(THURSDAY + dt.timedelta(days=2))
    assert "From Lena's birthday, Thursday: you met Rita and Sam." in message.body
    assert message.body.count("Say it was good to see them, and make a plan to meet again.") == 2
    assert "her sister just had a baby" in message.body


def test_a_meeting_months_ago_is_a_catch_up_not_a_morning_after_recap(alice):
    """An after-meeting follow-up nobody acted on for months (an import, a first digest) is not recapped
    as if the event were yesterday, and asks no one to add people forgotten there."""
    spring = EventFactory(owner=alice, name="Spring Summit", start_date=THURSDAY - dt.timedelta(days=60))
    for name in ("Ines Faria", "Omar Haddad"):
        met_at(alice, spring, name, "talked about maps")
    text = send_digest_of(FRIDAY).body
    assert "From Spring Summit" not in text and "Forgot someone?" not in text
    assert text.count("You met at Spring Summit on") == 2
