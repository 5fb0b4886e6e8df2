"""A weekly digest on a Saturday or Sunday carries Friendships only, and its Network follow-ups go in a
short Network-only digest on the next working day at the same hour (issue 18, item 1; PRODUCT.md, "The
digest"), sent by the tick exactly once like any other digest.

June 2025 in London: Sunday 8, Monday 9, Tuesday 10; 08:00 local is 07:00 UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.choices import Intention, Purpose
from accounts.models import DigestFrequency, User
from contacts.policy import DigestSchedule, Reason, digest_moment, digest_next_on, digest_purposes
from followups.digests import digest_send, digests_due, digests_send_due
from followups.models import Digest, DigestStatus, FollowUp, FollowUpState
from tests.factories import ContactFactory, UserFactory

P, W = Purpose.PERSONAL, Purpose.PROFESSIONAL
SATURDAY, SUNDAY, MONDAY, TUESDAY, WEDNESDAY = (dt.date(2025, 6, day) for day in range(7, 12))
LON = "Europe/London"


def at_8am(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, 0), tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("frequency", "weekday", "day", "purposes"),
    [
        pytest.param("weekly", 6, SUNDAY, (P,), id="weekly-sunday-carries-friendships-only"),
        pytest.param("weekly", 6, MONDAY, (W,), id="weekly-sunday-then-network-only-on-monday"),
        pytest.param("weekly", 6, TUESDAY, (), id="weekly-sunday-nothing-on-tuesday"),
        pytest.param("weekly", 5, SATURDAY, (P,), id="weekly-saturday-carries-friendships-only"),
        pytest.param("weekly", 5, SUNDAY, (), id="weekly-saturday-nothing-on-sunday"),
        pytest.param("weekly", 5, MONDAY, (W,), id="weekly-saturday-then-network-only-on-monday"),
        pytest.param("weekly", 2, WEDNESDAY, (P, W), id="weekly-wednesday-carries-both"),
        pytest.param("weekly", 2, MONDAY, (), id="weekly-wednesday-nothing-on-monday"),
        pytest.param("daily", 0, SUNDAY, (P,), id="daily-sunday-friendships-only"),
        pytest.param("daily", 0, MONDAY, (P, W), id="daily-monday-both"),
        pytest.param("off", 6, MONDAY, (), id="off-never"),
    ],
)
def test_which_groups_each_digest_day_carries(frequency, weekday, day, purposes):
    assert digest_purposes(DigestSchedule(LON, 8, frequency, weekday), day) == purposes


def test_after_a_weekend_weekly_digest_the_next_one_is_the_next_working_day():
    sunday = DigestSchedule(LON, 8, "weekly", 6)
    assert digest_next_on(sunday, SUNDAY) == MONDAY
    assert digest_next_on(sunday, MONDAY) == SUNDAY + dt.timedelta(days=7)


def due(owner: User, name: str, purpose: str, day: dt.date) -> FollowUp:
    intention = Intention.PERSONAL if purpose == P else Intention.PROFESSIONAL
    return FollowUp.objects.create(
        owner=owner,
        contact=ContactFactory(owner=owner, display_name=name, intention=intention),
        purpose=purpose,
        reason=Reason.CADENCE,
        clock_since=day - dt.timedelta(days=40),
        cadence_days=30,
        due_on=day - dt.timedelta(days=10),
    )


@pytest.mark.django_db
def test_a_sunday_digests_network_follow_ups_come_on_monday_at_the_same_hour_once():
    """The tick every ten minutes from Saturday to Wednesday, twice at each moment (a doubled beat): one
    Friendships digest on Sunday at 08:00, one Network-only digest on Monday at 08:00, nothing else."""
    with time_machine.travel(at_8am(SATURDAY), tick=False) as traveller:
        user = UserFactory(time_zone=LON, digest_frequency=DigestFrequency.WEEKLY, digest_weekday=6)
        friend = due(user, "Fran Friend", P, SUNDAY)
        colleague = due(user, "Cole League", W, SUNDAY)
        moment = at_8am(SATURDAY)
        while moment < at_8am(WEDNESDAY):
            traveller.move_to(moment)
            digests_send_due(moment)
            digests_send_due(moment)
            moment += dt.timedelta(minutes=10)
    sunday, monday = mail.outbox
    assert sunday.subject == "Follow up with Fran Friend"
    assert "NETWORK" not in sunday.body and "Cole League" not in sunday.body
    assert (
        "1 Network follow-up waits for a working day: it comes in your digest on Mon 9 Jun 2025 at 08:00."
        in sunday.body
    )
    assert monday.subject == "Follow up with Cole League"
    assert monday.body.startswith("Your Network follow-ups for Mon 9 Jun 2025")
    assert "FRIENDSHIPS" not in monday.body and "Fran Friend" not in monday.body
    digests = list(Digest.objects.filter(owner=user).order_by("local_date"))
    assert [(d.local_date, d.status) for d in digests] == [
        (SUNDAY, DigestStatus.SENT),
        (MONDAY, DigestStatus.SENT),
    ]
    assert digests[1].sent_at == digest_moment(DigestSchedule.from_user(user), MONDAY)
    for followup, digest in ((friend, digests[0]), (colleague, digests[1])):
        followup.refresh_from_db()
        assert (followup.state, followup.digest_id) == (FollowUpState.SENT, digest.pk)
    # A repeated task for Monday's digest finds it sent; the tick's next look is next Sunday's digest.
    assert digest_send(digests[1].pk, now=at_8am(MONDAY)) == "not claimed"
    assert User.objects.get(pk=user.pk).next_digest_at == at_8am(SUNDAY + dt.timedelta(days=7))


@pytest.mark.django_db
def test_no_network_only_digest_when_no_network_follow_up_waits():
    with time_machine.travel(at_8am(SUNDAY), tick=False) as traveller:
        user = UserFactory(time_zone=LON, digest_frequency=DigestFrequency.WEEKLY, digest_weekday=6)
        due(user, "Fran Friend", P, SUNDAY)
        assert digests_send_due(at_8am(SUNDAY)) == "1 sent"
        traveller.move_to(at_8am(MONDAY))
        assert digests_due(at_8am(MONDAY)) == []
    assert list(Digest.objects.values_list("local_date", flat=True)) == [SUNDAY]
    assert "Network follow-up" not in mail.outbox[0].body


@pytest.mark.django_db
def test_a_network_follow_up_due_on_monday_waits_for_next_weeks_network_only_digest():
    """The Network-only digest carries Network follow-ups only, even those due on the Monday itself; a friend
    due on Monday waits for Sunday's digest."""
    with time_machine.travel(at_8am(MONDAY), tick=False):
        user = UserFactory(time_zone=LON, digest_frequency=DigestFrequency.WEEKLY, digest_weekday=6)
        due(user, "Cole League", W, MONDAY + dt.timedelta(days=10))  # due on Monday
        friend = due(user, "Fran Friend", P, MONDAY + dt.timedelta(days=10))
        assert digests_send_due(at_8am(MONDAY)) == "1 sent"
    (monday,) = mail.outbox
    assert "Cole League" in monday.body and "Fran Friend" not in monday.body
    friend.refresh_from_db()
    assert friend.state == FollowUpState.SCHEDULED
