"""The digest email and the tick that sends it (followups.digests), on the default database.

Most tests run at 08:00 in London on Monday 2 June 2025, the default digest hour. The time-zone tests walk
the tick every ten minutes across the 2025 daylight-saving days of Auckland, New York and London.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Intention, Purpose
from accounts.models import DigestFrequency, User
from contacts import policy
from contacts.models import Contact
from contacts.policy import DigestSchedule, Reason
from followups import digests, tasks
from followups.digest_content import GROUP_CAP, digest_content, digest_message_id
from followups.digests import LEASE, digest_send, digests_due, digests_send_due
from followups.engine import followup_done, followup_snooze, followups_replan
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState
from tests.factories import ContactFactory, EventFactory, InteractionFactory, UserFactory

P, W = Purpose.PERSONAL, Purpose.PROFESSIONAL
MONDAY_8AM = dt.datetime(2025, 6, 2, 7, 0, tzinfo=dt.UTC)  # 08:00 in London (BST)
MONDAY = dt.date(2025, 6, 2)
SATURDAY_8AM = dt.datetime(2025, 6, 7, 7, 0, tzinfo=dt.UTC)
NETWORKING_WORDS = re.compile(
    r"network|career|business|professional|promised|next step|opportunit|collaborat|client|colleague|pitch",
    re.IGNORECASE,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        yield traveller


def clock(
    contact: Contact, purpose: str = P, *, elapsed: int, cadence: int, today: dt.date = MONDAY
) -> FollowUp:
    """An open clock follow-up whose clock started `elapsed` days before `today`."""
    since = today - dt.timedelta(days=elapsed)
    return FollowUp.objects.create(
        owner_id=contact.owner_id,
        contact=contact,
        purpose=purpose,
        reason=Reason.CADENCE,
        clock_since=since,
        cadence_days=cadence,
        due_on=since + dt.timedelta(days=cadence),
    )


def requested(contact: Contact, due_on: dt.date, note: str = "bring the book", purpose: str = P) -> FollowUp:
    return FollowUp.objects.create(
        owner_id=contact.owner_id,
        contact=contact,
        purpose=purpose,
        reason=Reason.REQUESTED,
        due_on=due_on,
        note=note,
    )


def person(owner: User, name: str, intention: str = Intention.PERSONAL, **fields) -> Contact:
    return ContactFactory(owner=owner, display_name=name, intention=intention, **fields)


def html(message) -> str:
    return message.alternatives[0].content


def listed_names(text: str) -> list[str]:
    return re.findall(r"^\* (.+)$", text, re.MULTILINE)


# What a digest says ---------------------------------------------------------------------------------------


def test_it_groups_friendships_and_network_most_overdue_first(alice, frozen):
    clock(person(alice, "Slightly late half-yearly"), elapsed=190, cadence=180)  # score 10/180
    clock(person(alice, "Lapsed fortnightly"), elapsed=42, cadence=14)  # score 2
    clock(person(alice, "Late monthly"), elapsed=45, cadence=30)  # score 0.5
    requested(person(alice, "Asked for today"), MONDAY)  # score 0, due today
    clock(person(alice, "Colleague", Intention.PROFESSIONAL), W, elapsed=100, cadence=90)
    assert digests_send_due(MONDAY_8AM) == "1 sent"
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    text = message.body
    assert text.index("FRIENDSHIPS") < text.index("NETWORK")
    assert listed_names(text) == [
        "Lapsed fortnightly",
        "Late monthly",
        "Slightly late half-yearly",
        "Asked for today",
        "Colleague",
    ]
    assert ">Friendships</h2>" in html(message) and ">Network</h2>" in html(message)


def test_each_group_lists_at_most_ten_and_counts_the_rest(alice, frozen):
    for n in range(GROUP_CAP + 2):
        clock(person(alice, f"Friend {n:02d}"), elapsed=40 + n, cadence=30)
    digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    assert len(listed_names(message.body)) == GROUP_CAP
    assert "... and 2 more" in message.body
    assert "and <a" in html(message) and "2 more</a>" in html(message)
    # The two least overdue were only counted, not listed: they stay scheduled for a later digest.
    assert FollowUp.objects.filter(state=FollowUpState.SENT).count() == GROUP_CAP
    unlisted = FollowUp.objects.filter(state=FollowUpState.SCHEDULED).values_list(
        "contact__display_name", flat=True
    )
    assert sorted(unlisted) == ["Friend 00", "Friend 01"]


def test_a_line_counts_older_follow_ups_still_open(alice, frozen):
    for n in range(3):
        clock(person(alice, f"Old {n}"), elapsed=60, cadence=30).__class__.objects.filter(
            contact__display_name=f"Old {n}"
        ).update(state=FollowUpState.SENT)
    clock(person(alice, "New"), elapsed=31, cadence=30)
    digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    assert listed_names(message.body) == ["New"]
    assert "3 older follow-ups still open" in message.body


def test_professional_follow_ups_wait_for_a_working_day(alice, frozen):
    clock(
        person(alice, "Colleague", Intention.PROFESSIONAL),
        W,
        elapsed=100,
        cadence=90,
        today=dt.date(2025, 6, 7),
    )
    clock(person(alice, "Friend"), elapsed=40, cadence=30, today=dt.date(2025, 6, 7))
    frozen.move_to(SATURDAY_8AM)
    digests_send_due(SATURDAY_8AM)
    (saturday,) = mail.outbox
    assert listed_names(saturday.body) == ["Friend"]
    assert "NETWORK" not in saturday.body
    monday = SATURDAY_8AM + dt.timedelta(days=2)
    frozen.move_to(monday)
    digests_send_due(monday)
    assert listed_names(mail.outbox[1].body) == ["Colleague"]


def test_no_digest_when_nothing_is_due(alice, frozen):
    clock(person(alice, "Not yet"), elapsed=10, cadence=30)
    assert digests_send_due(MONDAY_8AM) == "nothing due"
    assert mail.outbox == []
    assert not Digest.objects.exists()


def test_each_follow_up_is_emailed_once_and_stays_on_the_due_list_until_done(alice, alice_client, frozen):
    followup = clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    followup.refresh_from_db()
    assert followup.state == FollowUpState.SENT
    tuesday = MONDAY_8AM + dt.timedelta(days=1)
    frozen.move_to(tuesday)
    assert digests_send_due(tuesday) == "nothing due"
    assert len(mail.outbox) == 1
    assert "Ana" in alice_client.get(reverse("due")).content.decode()
    followup_done(followup)
    assert "Ana" not in alice_client.get(reverse("due")).content.decode()


def test_a_snoozed_follow_up_is_emailed_again_when_its_snooze_ends(alice, frozen):
    followup = clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    followup.refresh_from_db()
    followup_snooze(followup, MONDAY + dt.timedelta(days=2))
    wednesday = MONDAY_8AM + dt.timedelta(days=2)
    for moment in (MONDAY_8AM + dt.timedelta(days=1), wednesday):
        frozen.move_to(moment)
        digests_send_due(moment)
    assert [listed_names(m.body) for m in mail.outbox] == [["Ana"], ["Ana"]]


def test_a_personal_contacts_email_has_no_networking_words(alice, frozen):
    ana = person(alice, "Ana Lima", notes="Loves climbing; her sister Rita just had a baby.")
    clock(ana, elapsed=40, cadence=30)
    requested(person(alice, "Ben"), MONDAY, note="ask about the allotment")
    digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    for part in (message.subject, message.body, html(message)):
        assert not NETWORKING_WORDS.search(part), NETWORKING_WORDS.search(part)
    assert "Catch up" in message.body and "make plans" in message.body
    assert "Remember: Loves climbing" in message.body


def test_wording_follows_each_follow_ups_purpose(alice, frozen):
    ana = person(alice, "Ana", Intention.BOTH, notes="Runs a climbing gym; send her the grant article")
    clock(ana, P, elapsed=40, cadence=30)
    clock(ana, W, elapsed=100, cadence=90)
    digests_send_due(MONDAY_8AM)
    text = mail.outbox[0].body
    friendships, network = text.split("NETWORK")
    assert "Catch up" in friendships and "next step" not in friendships
    assert "Propose a next step" in network and "Remember: Runs a climbing gym" in network


def test_each_follow_up_recalls_the_last_interaction_of_its_own_purpose(alice, frozen):
    ana = person(alice, "Ana", Intention.BOTH)
    ben = person(alice, "Ben")
    pycon = EventFactory(owner=alice, name="PyCon")

    def met(days_ago: int, purpose: str, notes: str, event=None) -> None:
        InteractionFactory(
            owner=alice,
            contacts=[ana],
            purpose=purpose,
            notes=notes,
            event=event,
            occurred_at=MONDAY_8AM - dt.timedelta(days=days_ago),
        )

    met(40, P, "Dinner at hers")
    met(20, P, "Climbing; her sister just had a baby")
    met(50, W, "An old pitch")
    met(30, W, "Talked about the grant", event=pycon)
    clock(ana, P, elapsed=40, cadence=30)
    FollowUp.objects.create(
        owner=alice,
        contact=ana,
        purpose=W,
        reason=Reason.AFTER_MEETING,
        clock_since=MONDAY - dt.timedelta(days=30),
        cadence_days=14,
        due_on=MONDAY - dt.timedelta(days=16),
    )
    clock(ben, elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    friendships, network = mail.outbox[0].body.split("NETWORK")
    ana_part, ben_part = friendships.split("* Ben\n")
    assert "Last time, 13 May: Climbing; her sister just had a baby" in ana_part
    assert "Last time" not in ben_part  # nothing logged with Ben yet
    # The meeting at PyCon started the after-meeting clock, a month ago: no morning-after recap any more, but
    # the item names the event and the day and quotes what was noted there.
    assert "You met at PyCon on 3 May: Talked about the grant" in network
    assert "From PyCon" not in network and "Thank them for the conversation" in network


def test_names_and_notes_cannot_inject_headers_or_markup(alice, frozen):
    eve = person(
        alice, "Eve\r\nBcc: mallory@evil.example\n<script>alert(1)</script>", notes="<b>bold</b>\nline two"
    )
    requested(eve, MONDAY, note="<img src=x onerror=alert(1)>")
    digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    raw = message_from_bytes(message.message().as_bytes())
    assert raw["Bcc"] is None
    assert message.recipients() == ["alice@example.com"]
    body = html(message)
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body


def test_the_message_id_is_stable_for_a_user_and_local_date(alice, frozen, settings):
    settings.SITE_URL = "https://kith.example.com"
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    (message,) = mail.outbox
    expected = f"<kith-digest-{alice.pk}-20250602@kith.example.com>"
    assert message.extra_headers["Message-ID"] == expected == digest_message_id(alice.pk, MONDAY)
    assert Digest.objects.get().message_id == expected


def test_it_carries_one_click_list_unsubscribe_headers(alice, frozen, settings):
    settings.SITE_URL = "https://kith.example.com"
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    raw = message_from_bytes(mail.outbox[0].message().as_bytes())
    assert re.fullmatch(r"<https://kith\.example\.com/unsubscribe/[^>]+/>", raw["List-Unsubscribe"])
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert raw.get_content_type() == "multipart/alternative"


def test_it_goes_to_the_reminder_address(frozen):
    user = UserFactory(email="me@example.com", reminder_email="reminders@example.com")
    clock(person(user, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    assert mail.outbox[0].to == ["reminders@example.com"]


def test_an_emailed_birthday_makes_room_for_next_years(alice, frozen):
    ana = person(alice, "Ana", birthday_month=6, birthday_day=2)
    followups_replan(alice, [ana.pk])
    digests_send_due(MONDAY_8AM)
    assert "It is their birthday today" in mail.outbox[0].body
    birthdays = FollowUp.objects.filter(contact=ana, reason=Reason.BIRTHDAY).order_by("due_on")
    assert [(f.due_on.year, f.state) for f in birthdays] == [(2025, "sent"), (2026, "scheduled")]


# The schedule ----------------------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_users_hour_and_once_after(alice, frozen):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    early = MONDAY_8AM - dt.timedelta(minutes=1)
    assert digests_send_due(early) == "nothing due"
    for minutes in (0, 5, 60, 600):
        digests_send_due(MONDAY_8AM + dt.timedelta(minutes=minutes))
    assert len(mail.outbox) == 1


def test_a_weekly_digest_goes_out_on_its_weekday_only(frozen):
    user = UserFactory(digest_frequency=DigestFrequency.WEEKLY, digest_weekday=2)  # Wednesdays
    clock(person(user, "Ana"), elapsed=40, cadence=30)
    for day in range(7):
        moment = MONDAY_8AM + dt.timedelta(days=day)
        frozen.move_to(moment)
        digests_send_due(moment)
    assert len(mail.outbox) == 1
    assert Digest.objects.get().local_date == dt.date(2025, 6, 4)


def test_digests_off_sends_nothing(frozen):
    user = UserFactory(digest_frequency=DigestFrequency.OFF)
    clock(person(user, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    assert mail.outbox == []


# (zone, a 2025 daylight-saving day there, digest hours: the default and one the change skips or repeats)
DST_DAYS = [
    pytest.param("Pacific/Auckland", "2025-04-06", [8, 2], id="auckland-autumn-back"),
    pytest.param("Pacific/Auckland", "2025-09-28", [8, 2], id="auckland-spring-forward"),
    pytest.param("America/New_York", "2025-03-09", [8, 2], id="new-york-spring-forward"),
    pytest.param("America/New_York", "2025-11-02", [8, 1], id="new-york-fall-back"),
    pytest.param("Europe/London", "2025-03-30", [8, 1], id="london-spring-forward"),
    pytest.param("Europe/London", "2025-10-26", [8, 1], id="london-fall-back"),
]
TICK = dt.timedelta(minutes=10)


@pytest.mark.parametrize(("zone", "change_day", "hours"), DST_DAYS)
def test_each_user_gets_their_digest_at_their_own_hour_once_a_day_across_a_clock_change(
    zone, change_day, hours
):
    """The tick runs every ten minutes from the local midnight before the change day to the end of the day
    after; every user gets exactly one digest a day, at the first tick at or after their local hour."""
    day = dt.date.fromisoformat(change_day)
    days = [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    start = dt.datetime.combine(days[0], dt.time(0), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(zone)).astimezone(
        dt.UTC
    )
    with time_machine.travel(start - dt.timedelta(days=1), tick=False) as traveller:
        users = [UserFactory(time_zone=zone, digest_hour=hour) for hour in hours]
        for user in users:
            friend = person(user, f"Friend of {user.username}")
            for on in days:
                requested(friend, on, note=f"call on {on}")
        moment = start
        while moment < end:
            traveller.move_to(moment)
            digests_send_due(moment)
            moment += TICK
    assert len(mail.outbox) == len(users) * len(days)
    for user in users:
        schedule = DigestSchedule.from_user(user)
        sent = list(Digest.objects.filter(owner=user).order_by("local_date"))
        assert [d.local_date for d in sent] == days
        for digest in sent:
            due_at = policy.digest_moment(schedule, digest.local_date)
            assert due_at <= digest.sent_at < due_at + TICK, (
                user.digest_hour,
                digest.local_date,
                digest.sent_at,
            )
            assert digest.status == DigestStatus.SENT


# The tick, many users at once -----------------------------------------------------------------------------

SUNDAY = MONDAY - dt.timedelta(days=1)
TUESDAY_8AM = MONDAY_8AM + dt.timedelta(days=1)


def due_users(count: int, **fields) -> list[User]:
    """`count` users, each with a friend whose requested follow-up is due by their date at MONDAY_8AM."""
    users = []
    for _ in range(count):
        user = UserFactory(**fields)
        requested(person(user, "Ana"), SUNDAY)
        users.append(user)
    return users


def next_look(user: User) -> dt.datetime | None:
    return User.objects.values_list("next_digest_at", flat=True).get(pk=user.pk)


def test_many_users_due_in_one_tick_each_get_one_digest_for_their_own_local_date(frozen, monkeypatch):
    # Small batches, so the tick walks several; three zones, so it handles more than one local date at once:
    # at MONDAY_8AM it is Monday 08:00 in London, Monday 19:00 in Auckland and Sunday 21:00 in Honolulu.
    monkeypatch.setattr(digests, "TICK_BATCH", 4)
    zones = {"Europe/London": MONDAY, "Pacific/Auckland": MONDAY, "Pacific/Honolulu": SUNDAY}
    users = [user for zone in zones for user in due_users(5, time_zone=zone)]
    taken = digests_due(MONDAY_8AM)
    created = Counter(Digest.objects.values_list("owner_id", "local_date"))
    assert created == Counter({(user.pk, zones[user.time_zone]): 1 for user in users})
    # One tick takes every digest waiting, batch after batch, each once; the next finds none.
    assert sorted(taken) == sorted(Digest.objects.values_list("pk", flat=True))
    assert digests_due(MONDAY_8AM + dt.timedelta(minutes=5)) == []
    for user in users:
        schedule = DigestSchedule.from_user(user)
        tomorrow = zones[user.time_zone] + dt.timedelta(days=1)
        assert next_look(user) == policy.digest_moment(schedule, tomorrow)


def test_users_with_nothing_to_send_get_no_digest_but_are_moved_on(frozen):
    (due,) = due_users(1)
    not_yet = UserFactory()
    clock(person(not_yet, "Ana"), elapsed=10, cadence=30)
    no_address = UserFactory(email="")
    requested(person(no_address, "Ana"), SUNDAY)
    weekly = UserFactory(digest_frequency=DigestFrequency.WEEKLY, digest_weekday=2)  # Wednesdays
    requested(person(weekly, "Ana"), SUNDAY)
    digests_due(MONDAY_8AM)
    assert list(Digest.objects.values_list("owner_id", flat=True)) == [due.pk]
    for user in (due, not_yet, no_address):
        assert next_look(user) == TUESDAY_8AM
    assert next_look(weekly) == dt.datetime(2025, 6, 4, 7, 0, tzinfo=dt.UTC)
    # None of them gets a digest from a later tick today.
    digests_due(MONDAY_8AM + dt.timedelta(hours=1))
    assert Digest.objects.count() == 1


def test_a_schedule_changed_while_the_tick_runs_is_kept(alice, frozen, monkeypatch):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    (bob,) = due_users(1)
    between_read_and_write = digests._owners_with_followups_sendable

    def alice_changes_her_hour(*args):
        user = User.objects.get(pk=alice.pk)
        user.digest_hour = 18
        user.settings_save({"digest_hour"})
        return between_read_and_write(*args)

    monkeypatch.setattr(digests, "_owners_with_followups_sendable", alice_changes_her_hour)
    digests_due(MONDAY_8AM)
    monkeypatch.undo()
    assert next_look(bob) == TUESDAY_8AM
    assert next_look(alice) is None  # what her settings change left, not the moment the tick worked out
    # The next tick works her moment out from her new hour: 18:00 in London.
    digests_due(MONDAY_8AM + dt.timedelta(minutes=5))
    assert next_look(alice) == MONDAY_8AM + dt.timedelta(hours=10)


def test_a_tick_looking_at_a_user_again_the_same_day_creates_no_second_digest(alice, frozen):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    assert digests_send_due(MONDAY_8AM) == "1 sent"
    for minutes in (5, 10):
        # A schedule change clears the moment, so the tick looks at her again on a day already handled.
        User.objects.filter(pk=alice.pk).update(next_digest_at=None)
        assert digests_send_due(MONDAY_8AM + dt.timedelta(minutes=minutes)) == "nothing due"
    assert Digest.objects.get().status == DigestStatus.SENT
    assert len(mail.outbox) == 1
    assert next_look(alice) == TUESDAY_8AM


def test_the_tick_asks_the_database_as_often_for_fifty_users_as_for_five(frozen):
    counts = []
    for count in (5, 50):
        due_users(count)
        with CaptureQueriesContext(connection) as captured:
            assert len(digests_due(MONDAY_8AM)) == count
        counts.append(len(captured.captured_queries))
    # One of them asks which of the batch's reminder addresses are confirmed (or in their grace period).
    assert counts[0] == counts[1] <= 11
    assert Digest.objects.count() == 55


# Claims, failures and take-overs --------------------------------------------------------------------------


def test_a_second_tick_or_a_repeated_task_sends_nothing_more(alice, frozen):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM)
    digest = Digest.objects.get()
    assert digest_send(digest.pk, now=MONDAY_8AM) == "not claimed"
    assert digests_send_due(MONDAY_8AM + dt.timedelta(minutes=5)) == "nothing due"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_recorded_and_retried_with_backoff(alice, frozen, monkeypatch):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    real_send = digests.email_send

    def down(message, **options):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(digests, "email_send", down)
    assert digests_send_due(MONDAY_8AM) == "1 failed"
    digest = Digest.objects.get()
    assert (digest.status, digest.attempts) == (DigestStatus.FAILED, 1)
    assert "SMTP server down" in digest.last_error
    assert FollowUp.objects.get().state == FollowUpState.SCHEDULED
    # Not before its backoff; after it, sent, once.
    monkeypatch.setattr(digests, "email_send", real_send)
    assert digests_send_due(MONDAY_8AM + dt.timedelta(minutes=1)) == "nothing due"
    assert digests_send_due(MONDAY_8AM + dt.timedelta(minutes=5)) == "1 sent"
    digest.refresh_from_db()
    assert (digest.status, digest.attempts, digest.last_error) == (DigestStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_a_claim_whose_worker_died_is_taken_over_after_the_lease(alice, frozen):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    (digest_id,) = digests_due(MONDAY_8AM)
    # A worker claims it and dies before sending.
    Digest.objects.filter(pk=digest_id).update(
        status=DigestStatus.CLAIMED, claimed_until=MONDAY_8AM + LEASE, attempts=1
    )
    assert digests_send_due(MONDAY_8AM + LEASE - dt.timedelta(seconds=1)) == "nothing due"
    assert digests_send_due(MONDAY_8AM + LEASE) == "1 sent"
    assert len(mail.outbox) == 1


def test_a_queued_digest_whose_task_was_lost_is_queued_again_after_a_lease(alice, frozen):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    assert len(digests_due(MONDAY_8AM)) == 1  # queued, and the task never ran
    assert digests_due(MONDAY_8AM + dt.timedelta(minutes=5)) == []
    assert len(digests_due(MONDAY_8AM + LEASE)) == 1


def test_a_digest_left_with_nothing_to_say_is_skipped(alice, frozen):
    followup = clock(person(alice, "Ana"), elapsed=40, cadence=30)
    (digest_id,) = digests_due(MONDAY_8AM)
    followup_done(followup)
    assert digest_send(digest_id, now=MONDAY_8AM) == "skipped"
    assert mail.outbox == []


# Tasks, the command and the test button --------------------------------------------------------------------


def test_the_beat_task_queues_one_send_per_digest_and_the_send_task_sends(
    alice, frozen, monkeypatch, django_capture_on_commit_callbacks
):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    queued = []
    monkeypatch.setattr(tasks.send_digest, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_due_digests() == "queued 1 digest(s)"
    assert queued == [Digest.objects.get().pk]
    assert tasks.send_digest(queued[0]) == f"digest {queued[0]}: sent"
    assert tasks.send_digest(queued[0]) == f"digest {queued[0]}: not claimed"
    assert tasks.send_digest(999999) == "digest 999999: gone"


def test_the_beat_entries_expire_before_their_next_run(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["send-due-digests"]["task"] == "interactions.tasks.send_due_digests"
    for entry in schedule.values():
        assert entry["options"]["expires"] < entry["schedule"]


def test_the_tasks_keep_the_names_queued_messages_and_beat_call_them_by():
    """The tasks moved from interactions to followups; messages already queued and the beat schedule name
    them by their old names, which must still reach them."""
    from config.celery import app

    app.loader.import_default_modules()
    for name in ("interactions.tasks.send_due_digests", "interactions.tasks.send_digest"):
        assert app.tasks[name].__module__ == "followups.tasks"
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)


def test_the_command_runs_one_tick_at_the_given_moment(alice, capsys):
    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    call_command("send_followups", "--now", "2025-06-02T06:59:00+00:00")
    call_command("send_followups", "--now", "2025-06-02T07:00")
    assert capsys.readouterr().out.splitlines() == ["nothing due", "1 sent"]
    assert len(mail.outbox) == 1


def test_the_test_digest_is_marked_and_claims_nothing(alice, alice_client, frozen):
    followup = clock(person(alice, "Ana"), elapsed=40, cadence=30)
    response = alice_client.post(reverse("digest_test"))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject.startswith("[Test]")
    assert "THIS IS A TEST DIGEST" in message.body
    assert not Digest.objects.exists()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.SCHEDULED
    # With nothing due it still sends, and says so.
    followup.delete()
    alice_client.post(reverse("digest_test"))
    assert "nothing due today" in mail.outbox[1].subject
    assert alice_client.get(reverse("digest_test")).status_code == 405


def test_digest_content_is_none_when_nothing_is_due(alice):
    assert digest_content(alice, MONDAY) is None


def test_a_new_digest_time_takes_effect_at_the_next_tick(alice, alice_client, frozen):
    from tests.test_accounts import settings_data

    clock(person(alice, "Ana"), elapsed=40, cadence=30)
    digests_send_due(MONDAY_8AM - dt.timedelta(hours=2))  # 06:00: not yet, next look at 08:00
    alice.refresh_from_db()
    assert alice.next_digest_at == MONDAY_8AM
    secret = alice.unsubscribe_secret
    alice_client.post(reverse("settings"), settings_data(alice, digest_hour=6))
    alice.refresh_from_db()
    assert alice.next_digest_at is None
    assert alice.unsubscribe_secret == secret  # only a change of the digest setting itself renews it
    frozen.move_to(MONDAY_8AM - dt.timedelta(hours=1, minutes=55))
    assert digests_send_due(MONDAY_8AM - dt.timedelta(hours=1, minutes=55)) == "1 sent"
