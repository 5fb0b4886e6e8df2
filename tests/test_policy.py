"""The follow-up policy, row by row against PRODUCT.md ("The rules, with their numbers").

Pure: no database and no clock. Dates are chosen around Monday 2 June 2025; the daylight-saving days are
the 2025 changes in Auckland, New York and London (all Sundays).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from accounts.choices import DEFAULT_CADENCE_DAYS, Circle, Intention, Purpose
from accounts.models import DigestFrequency
from contacts import policy, wording
from contacts.policy import (
    ContactFacts,
    DigestSchedule,
    Due,
    Health,
    Reason,
    Touch,
    birthday_next,
    cadence_for,
    clock_due,
    clock_purposes,
    contact_health,
    contact_overdue_score,
    digest_due_on,
    digest_moment,
    digest_next_on,
    dues_most_overdue_first,
    first_followup_due,
    followup_sendable,
    followups_plan,
    health,
    is_drifting,
    is_lasting,
    next_working_day,
    on_or_after_working_day,
    overdue_score,
    professional_sendable,
)
from interactions.models import Kind

P, W = Purpose.PERSONAL, Purpose.PROFESSIONAL
TABLE = DEFAULT_CADENCE_DAYS

MON = dt.date(2025, 6, 2)
TUE, WED, THU, FRI, SAT, SUN = (MON + dt.timedelta(days=n) for n in range(1, 7))
NEXT_MON = MON + dt.timedelta(days=7)
CREATED = dt.date(2025, 1, 6)  # a Monday


def contact(intention: str = Intention.PERSONAL, circle: str = Circle.CLOSE, **kwargs) -> ContactFacts:
    return ContactFacts(
        intention=intention, circle=circle, created_on=kwargs.pop("created_on", CREATED), **kwargs
    )


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# The vocabulary this module spells out must match the models' ---------------------------------------------


def test_spelled_out_names_match_the_models():
    assert policy.MET == Kind.MET
    assert {policy.DAILY, policy.WEEKLY, policy.OFF} == set(DigestFrequency.values)
    assert set(Reason.values) == {"after_meeting", "cadence", "requested", "birthday"}


@pytest.mark.parametrize(
    ("purpose", "circle", "days"),
    [
        pytest.param(P, Circle.INNER, 14, id="personal-inner-14"),
        pytest.param(P, Circle.CLOSE, 30, id="personal-close-30"),
        pytest.param(P, Circle.WIDER, 180, id="personal-wider-180"),
        pytest.param(W, Circle.INNER, 30, id="professional-inner-30"),
        pytest.param(W, Circle.CLOSE, 90, id="professional-close-90"),
        pytest.param(W, Circle.WIDER, 180, id="professional-wider-180"),
    ],
)
def test_default_cadences_are_the_products(purpose, circle, days):
    assert cadence_for(contact(Intention.BOTH, circle), purpose, TABLE) == days


# Clocks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intention", "clocks"),
    [
        pytest.param(Intention.PERSONAL, (P,), id="a-personal-contact-keeps-a-personal-clock"),
        pytest.param(Intention.PROFESSIONAL, (W,), id="a-professional-contact-keeps-a-professional-clock"),
        pytest.param(Intention.BOTH, (P, W), id="a-both-contact-keeps-two-clocks"),
    ],
)
def test_clock_purposes(intention, clocks):
    assert clock_purposes(intention) == clocks


@pytest.mark.parametrize(
    ("facts", "purpose", "days"),
    [
        pytest.param(contact(circle=Circle.INNER), P, 14, id="no-override-uses-the-circle-default"),
        pytest.param(
            contact(circle=Circle.INNER, personal_cadence_days=7),
            P,
            7,
            id="a-contact-override-beats-the-circle",
        ),
        pytest.param(
            contact(Intention.BOTH, Circle.WIDER, personal_cadence_days=7),
            W,
            180,
            id="a-personal-override-leaves-the-professional-cadence-alone",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.WIDER, professional_cadence_days=10),
            W,
            10,
            id="a-professional-override-beats-the-circle",
        ),
    ],
)
def test_cadence_for(facts, purpose, days):
    assert cadence_for(facts, purpose, TABLE) == days


def test_the_users_own_defaults_are_used():
    table = {P: {Circle.INNER: 14, Circle.CLOSE: 21, Circle.WIDER: 180}, W: TABLE[W]}
    assert cadence_for(contact(), P, table) == 21


# Working days ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "next_one", "on_or_after"),
    [
        pytest.param(MON, TUE, MON, id="monday"),
        pytest.param(THU, FRI, THU, id="thursday"),
        pytest.param(FRI, NEXT_MON, FRI, id="friday"),
        pytest.param(SAT, NEXT_MON, NEXT_MON, id="saturday"),
        pytest.param(SUN, NEXT_MON, NEXT_MON, id="sunday"),
    ],
)
def test_working_days(day, next_one, on_or_after):
    assert next_working_day(day) == next_one
    assert on_or_after_working_day(day) == on_or_after


# First follow-up after a `met` interaction -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("met_on", "purpose", "due_on"),
    [
        pytest.param(MON, W, TUE, id="professional-met-on-monday-is-due-tuesday"),
        pytest.param(WED, W, THU, id="professional-met-on-wednesday-is-due-thursday"),
        pytest.param(THU, W, FRI, id="professional-met-on-thursday-is-due-friday"),
        pytest.param(FRI, W, NEXT_MON, id="professional-met-on-friday-is-due-monday"),
        pytest.param(SAT, W, NEXT_MON, id="professional-met-on-saturday-is-due-monday"),
        pytest.param(SUN, W, NEXT_MON, id="professional-met-on-sunday-is-due-monday"),
        pytest.param(MON, P, WED, id="personal-met-on-monday-is-due-wednesday"),
        pytest.param(THU, P, SAT, id="personal-met-on-thursday-is-due-saturday"),
        pytest.param(FRI, P, SUN, id="personal-met-on-friday-is-due-sunday"),
        pytest.param(SAT, P, NEXT_MON, id="personal-met-on-saturday-is-due-monday"),
    ],
)
def test_first_followup_due(met_on, purpose, due_on):
    assert first_followup_due(met_on, purpose) == due_on


def test_a_professional_first_followup_is_never_on_a_weekend():
    for n in range(366):
        met_on = MON + dt.timedelta(days=n)
        due_on = first_followup_due(met_on, W)
        assert due_on.weekday() < 5
        assert 1 <= (due_on - met_on).days <= 3


# Due dates of a clock --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "purpose", "last_on", "last_was_met", "expected"),
    [
        pytest.param(
            contact(circle=Circle.INNER), P, MON, False, Due(P, d("2025-06-16"), Reason.CADENCE, MON, 14),
            id="personal-inner-due-14-days-after-the-last-interaction",
        ),
        pytest.param(
            contact(circle=Circle.CLOSE), P, MON, False, Due(P, d("2025-07-02"), Reason.CADENCE, MON, 30),
            id="personal-close-due-30-days-after",
        ),
        pytest.param(
            contact(circle=Circle.WIDER), P, MON, False, Due(P, d("2025-11-29"), Reason.CADENCE, MON, 180),
            id="personal-wider-due-180-days-after-even-on-a-saturday",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.INNER), W, MON, False,
            Due(W, d("2025-07-02"), Reason.CADENCE, MON, 30),
            id="professional-inner-due-30-days-after",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.CLOSE), W, MON, False,
            Due(W, d("2025-09-01"), Reason.CADENCE, MON, 90),
            id="professional-close-due-90-days-after-a-sunday-moves-to-monday",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.WIDER), W, MON, False,
            Due(W, d("2025-12-01"), Reason.CADENCE, MON, 180),
            id="professional-wider-due-180-days-after-a-saturday-moves-to-monday",
        ),
        pytest.param(
            contact(circle=Circle.INNER, personal_cadence_days=7), P, MON, False,
            Due(P, NEXT_MON, Reason.CADENCE, MON, 7),
            id="a-contact-override-beats-the-circle-default",
        ),
        pytest.param(
            contact(circle=Circle.INNER), P, None, False,
            Due(P, d("2025-01-20"), Reason.CADENCE, CREATED, 14),
            id="a-clock-with-no-interaction-starts-at-contact-creation",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.CLOSE, created_on=d("2025-03-05")), W, None, False,
            Due(W, d("2025-06-03"), Reason.CADENCE, d("2025-03-05"), 90),
            id="an-imported-professional-contact-is-due-a-cadence-after-import",
        ),
        pytest.param(
            contact(circle=Circle.WIDER), P, FRI, True, Due(P, SUN, Reason.AFTER_MEETING, FRI, 180),
            id="personal-last-met-is-due-2-days-after-the-meeting",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.WIDER), W, FRI, True,
            Due(W, NEXT_MON, Reason.AFTER_MEETING, FRI, 180),
            id="professional-last-met-on-friday-is-due-monday",
        ),
        pytest.param(contact(archived=True), P, MON, False, None, id="an-archived-contact-gets-nothing"),
        pytest.param(contact(reminders_paused=True), P, MON, False, None, id="a-paused-contact-gets-nothing"),
        pytest.param(
            contact(Intention.PERSONAL), W, MON, False, None,
            id="a-personal-contact-has-no-professional-clock",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL), P, MON, False, None,
            id="a-professional-contact-has-no-personal-clock",
        ),
    ],
)  # fmt: skip
def test_clock_due(facts, purpose, last_on, last_was_met, expected):
    assert clock_due(facts, purpose, last_on, TABLE, last_was_met=last_was_met) == expected


def test_a_professional_cadence_due_date_is_never_on_a_weekend():
    pro = contact(Intention.PROFESSIONAL, professional_cadence_days=1)
    for n in range(14):
        due = clock_due(pro, W, MON + dt.timedelta(days=n), TABLE)
        assert due is not None
        assert due.due_on.weekday() < 5


# The plan for one contact ----------------------------------------------------------------------------------


def touch(on: dt.date, purpose: str, kind: str = Kind.CONVERSATION) -> Touch:
    return Touch(on=on, purpose=purpose, kind=kind)


@pytest.mark.parametrize(
    ("facts", "touches", "expected"),
    [
        pytest.param(
            contact(Intention.BOTH, Circle.CLOSE),
            [touch(MON, W), touch(d("2025-07-01"), P)],
            [
                Due(P, d("2025-07-31"), Reason.CADENCE, d("2025-07-01"), 30),
                Due(W, d("2025-09-01"), Reason.CADENCE, MON, 90),
            ],
            id="a-both-contact-keeps-two-clocks-and-a-personal-interaction-does-not-reset-the-professional-one",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.INNER),
            [touch(MON, P), touch(TUE, P)],
            [Due(W, d("2025-02-05"), Reason.CADENCE, CREATED, 30)],
            id="personal-interactions-leave-a-professional-contacts-clock-at-creation",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.CLOSE),
            [touch(FRI, W, Kind.MET), touch(SAT, P)],
            [Due(W, NEXT_MON, Reason.AFTER_MEETING, FRI, 90)],
            id="met-at-a-conference-on-friday-then-a-personal-chat-still-due-monday-after-the-meeting",
        ),
        pytest.param(
            contact(Intention.PERSONAL, Circle.INNER),
            [touch(MON, P, Kind.MET), touch(WED, P, Kind.MESSAGE)],
            [Due(P, d("2025-06-18"), Reason.CADENCE, WED, 14)],
            id="a-message-after-the-meeting-switches-to-cadence",
        ),
        pytest.param(
            contact(Intention.PERSONAL, Circle.INNER),
            [touch(MON, P, Kind.MESSAGE), touch(MON, P, Kind.MET)],
            [Due(P, d("2025-06-16"), Reason.CADENCE, MON, 14)],
            id="met-and-messaged-the-same-day-counts-as-followed-up",
        ),
        pytest.param(
            contact(Intention.PERSONAL, Circle.INNER),
            [touch(WED, P), touch(MON, P, Kind.MET)],
            [Due(P, d("2025-06-18"), Reason.CADENCE, WED, 14)],
            id="touches-in-any-order",
        ),
        pytest.param(contact(archived=True), [touch(MON, P)], [], id="an-archived-contact-gets-nothing"),
        pytest.param(
            contact(reminders_paused=True, birthday_month=6, birthday_day=20),
            [touch(MON, P)],
            [],
            id="a-paused-contact-gets-nothing-not-even-a-birthday",
        ),
    ],
)
def test_followups_plan(facts, touches, expected):
    assert followups_plan(facts, touches, TABLE, today=MON) == expected


@pytest.mark.parametrize(
    ("intention", "birthday_in_plan"),
    [
        pytest.param(Intention.PERSONAL, True, id="a-personal-contact-gets-a-birthday-follow-up"),
        pytest.param(Intention.BOTH, True, id="a-both-contact-gets-a-birthday-follow-up"),
        pytest.param(Intention.PROFESSIONAL, False, id="a-professional-contact-gets-no-birthday-follow-up"),
    ],
)
def test_birthday_follow_ups_are_personal(intention, birthday_in_plan):
    facts = contact(intention, birthday_month=6, birthday_day=20)
    birthdays = [due for due in followups_plan(facts, [], TABLE, today=MON) if due.reason == Reason.BIRTHDAY]
    assert birthdays == ([Due(P, d("2025-06-20"), Reason.BIRTHDAY)] if birthday_in_plan else [])


@pytest.mark.parametrize(
    ("month", "day", "today", "expected"),
    [
        pytest.param(6, 20, MON, d("2025-06-20"), id="later-this-year"),
        pytest.param(6, 2, MON, MON, id="today-is-the-birthday"),
        pytest.param(6, 1, MON, d("2026-06-01"), id="passed-this-year-so-next-year"),
        pytest.param(2, 29, d("2025-02-01"), d("2025-02-28"), id="29-feb-is-28-feb-in-a-common-year"),
        pytest.param(
            2, 29, d("2027-03-01"), d("2028-02-29"), id="29-feb-after-28-feb-waits-for-the-leap-year"
        ),
        pytest.param(2, 29, d("2028-02-29"), d("2028-02-29"), id="29-feb-in-a-leap-year"),
        pytest.param(2, 29, d("2025-02-28"), d("2025-02-28"), id="29-feb-celebrated-on-28-feb"),
        pytest.param(12, 31, d("2025-12-31"), d("2025-12-31"), id="new-years-eve"),
        pytest.param(1, 1, d("2025-12-31"), d("2026-01-01"), id="across-the-new-year"),
    ],
)
def test_birthday_next(month, day, today, expected):
    assert birthday_next(month, day, today) == expected


# Health ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "cadence", "expected"),
    [
        pytest.param(0, 30, Health.RECENT, id="just-seen-is-recent"),
        pytest.param(30, 30, Health.RECENT, id="exactly-at-cadence-is-still-recent"),
        pytest.param(31, 30, Health.FADING, id="a-day-past-cadence-is-fading"),
        pytest.param(60, 30, Health.FADING, id="exactly-at-twice-cadence-is-still-fading"),
        pytest.param(61, 30, Health.LAPSED, id="a-day-past-twice-cadence-is-lapsed"),
        pytest.param(14, 14, Health.RECENT, id="fortnightly-at-14-recent"),
        pytest.param(28, 14, Health.FADING, id="fortnightly-at-28-fading"),
        pytest.param(29, 14, Health.LAPSED, id="fortnightly-at-29-lapsed"),
    ],
)
def test_health(elapsed, cadence, expected):
    assert health(elapsed, cadence) == expected


@pytest.mark.parametrize(
    ("facts", "last_on", "today", "expected"),
    [
        pytest.param(
            contact(Intention.BOTH, Circle.CLOSE),
            {P: MON, W: d("2024-12-01")},
            d("2025-06-10"),
            Health.LAPSED,
            id="a-both-contact-shows-the-worse-clock-lapsed-professional",
        ),
        pytest.param(
            contact(Intention.BOTH, Circle.CLOSE),
            {P: d("2025-04-20"), W: d("2025-06-01")},
            d("2025-06-10"),
            Health.FADING,
            id="a-both-contact-shows-the-worse-clock-fading-personal",
        ),
        pytest.param(
            contact(Intention.BOTH, Circle.CLOSE),
            {P: MON, W: MON},
            d("2025-06-10"),
            Health.RECENT,
            id="a-both-contact-with-both-clocks-recent",
        ),
        pytest.param(
            contact(Intention.PERSONAL, Circle.INNER, created_on=MON),
            {},
            d("2025-06-20"),
            Health.FADING,
            id="a-contact-never-seen-counts-from-creation",
        ),
        pytest.param(
            contact(Intention.PROFESSIONAL, Circle.INNER),
            {P: d("2025-06-09"), W: MON},
            d("2025-06-10"),
            Health.RECENT,
            id="a-professional-contact-ignores-its-personal-clock",
        ),
    ],
)
def test_contact_health(facts, last_on, today, expected):
    assert contact_health(facts, last_on, TABLE, today) == expected


# Overdue score ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "cadence", "expected"),
    [
        pytest.param(10, 14, 0.0, id="not-yet-due-scores-zero"),
        pytest.param(14, 14, 0.0, id="due-today-scores-zero"),
        pytest.param(21, 14, 0.5, id="half-a-cadence-late"),
        pytest.param(35, 14, 1.5, id="a-lapsed-fortnightly-friend"),
        pytest.param(200, 180, 20 / 180, id="a-slightly-late-half-yearly-one"),
    ],
)
def test_overdue_score(elapsed, cadence, expected):
    assert overdue_score(elapsed, cadence) == pytest.approx(expected)


def test_a_lapsed_fortnightly_friend_outranks_a_slightly_late_half_yearly_one():
    today = d("2025-07-07")
    friend = Due(P, d("2025-06-16"), Reason.CADENCE, today - dt.timedelta(days=35), 14)
    half_yearly = Due(P, d("2025-06-17"), Reason.CADENCE, today - dt.timedelta(days=200), 180)
    assert overdue_score(35, 14) > overdue_score(200, 180)
    assert dues_most_overdue_first([half_yearly, friend], today) == [friend, half_yearly]


def test_equally_overdue_follow_ups_rank_by_due_date():
    birthday = Due(P, d("2025-06-20"), Reason.BIRTHDAY)
    meeting = Due(W, d("2025-06-03"), Reason.AFTER_MEETING, MON, 90)
    assert dues_most_overdue_first([birthday, meeting], d("2025-06-21")) == [meeting, birthday]


def test_a_both_contact_scores_its_more_overdue_clock():
    facts = contact(Intention.BOTH, Circle.INNER)  # 14 personal, 30 professional
    today = d("2025-07-01")
    last_on = {P: today - dt.timedelta(days=21), W: today - dt.timedelta(days=90)}
    assert contact_overdue_score(facts, last_on, TABLE, today) == pytest.approx(2.0)


# Drift -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intention", "purposes_newest_first", "drifting"),
    [
        pytest.param(Intention.PROFESSIONAL, [P, P], False, id="two-interactions-are-too-few-to-drift"),
        pytest.param(Intention.PROFESSIONAL, [P, P, P], True, id="professional-with-three-personal-drifts"),
        pytest.param(
            Intention.PROFESSIONAL,
            [P, P, P, P, P, W],
            True,
            id="professional-whose-last-five-are-personal-drifts",
        ),
        pytest.param(
            Intention.PROFESSIONAL,
            [P, P, P, P, W, P],
            False,
            id="one-professional-among-the-last-five-no-drift",
        ),
        pytest.param(
            Intention.PERSONAL, [W, W, W, W], True, id="personal-whose-interactions-are-all-work-drifts"
        ),
        pytest.param(
            Intention.PERSONAL, [W, P, W], False, id="personal-with-one-personal-among-three-no-drift"
        ),
        pytest.param(Intention.PERSONAL, [], False, id="no-interactions-no-drift"),
        pytest.param(Intention.BOTH, [P, P, P, P, P, P], False, id="a-both-contact-never-drifts"),
        pytest.param(Intention.BOTH, [W, W, W, W, W], False, id="a-both-contact-never-drifts-either-way"),
    ],
)
def test_is_drifting(intention, purposes_newest_first, drifting):
    assert is_drifting(intention, purposes_newest_first) is drifting


# Lasting ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("later_on", "cadence", "today", "lasting"),
    [
        pytest.param(
            [d("2025-06-10"), d("2025-07-01")], 30, d("2025-07-15"), True, id="two-later-recent-is-lasting"
        ),
        pytest.param([d("2025-06-10")], 30, d("2025-06-15"), False, id="one-later-interaction-is-not-enough"),
        pytest.param([], 30, d("2025-06-15"), False, id="met-once-is-not-lasting"),
        pytest.param(
            [d("2025-06-10"), d("2025-07-01")],
            30,
            d("2025-08-30"),
            True,
            id="last-exactly-two-cadences-ago-lasts",
        ),
        pytest.param(
            [d("2025-06-10"), d("2025-07-01")],
            30,
            d("2025-08-31"),
            False,
            id="last-over-two-cadences-ago-not",
        ),
        pytest.param(
            [d("2025-05-01"), d("2025-06-10")],
            30,
            d("2025-06-15"),
            False,
            id="interactions-before-the-meeting-ignored",
        ),
    ],
)
def test_is_lasting(later_on, cadence, today, lasting):
    assert is_lasting(MON, later_on, cadence, today) is lasting


# The digest schedule ---------------------------------------------------------------------------------------

AKL, NYC, LON = "Pacific/Auckland", "America/New_York", "Europe/London"

# (zone, the local date of a daylight-saving change, digest hour, the UTC instant the digest falls due)
DST_DIGESTS = [
    pytest.param(AKL, d("2025-09-28"), 8, utc("2025-09-27 19:00"), id="auckland-spring-forward-08:00-nzdt"),
    pytest.param(AKL, d("2025-04-06"), 8, utc("2025-04-05 20:00"), id="auckland-fall-back-08:00-nzst"),
    pytest.param(
        AKL, d("2025-09-28"), 2, utc("2025-09-27 14:00"), id="auckland-skipped-02:00-is-due-at-03:00"
    ),
    pytest.param(AKL, d("2025-04-06"), 2, utc("2025-04-05 13:00"), id="auckland-repeated-02:00-first-one"),
    pytest.param(NYC, d("2025-03-09"), 8, utc("2025-03-09 12:00"), id="new-york-spring-forward-08:00-edt"),
    pytest.param(NYC, d("2025-11-02"), 8, utc("2025-11-02 13:00"), id="new-york-fall-back-08:00-est"),
    pytest.param(
        NYC, d("2025-03-09"), 2, utc("2025-03-09 07:00"), id="new-york-skipped-02:00-is-due-at-03:00"
    ),
    pytest.param(NYC, d("2025-11-02"), 1, utc("2025-11-02 05:00"), id="new-york-repeated-01:00-first-one"),
    pytest.param(LON, d("2025-03-30"), 8, utc("2025-03-30 07:00"), id="london-spring-forward-08:00-bst"),
    pytest.param(LON, d("2025-10-26"), 8, utc("2025-10-26 08:00"), id="london-fall-back-08:00-gmt"),
    pytest.param(LON, d("2025-03-30"), 1, utc("2025-03-30 01:00"), id="london-skipped-01:00-is-due-at-02:00"),
    pytest.param(LON, d("2025-10-26"), 1, utc("2025-10-26 00:00"), id="london-repeated-01:00-first-one"),
]


@pytest.mark.parametrize(("zone", "local_on", "hour", "due_at"), DST_DIGESTS)
def test_digest_moment_on_daylight_saving_days(zone, local_on, hour, due_at):
    assert digest_moment(DigestSchedule(zone, hour), local_on) == due_at


@pytest.mark.parametrize(("zone", "local_on", "hour", "due_at"), DST_DIGESTS)
def test_digest_is_due_from_its_local_hour_on_the_right_local_date(zone, local_on, hour, due_at):
    schedule = DigestSchedule(zone, hour)
    assert digest_due_on(schedule, due_at - dt.timedelta(seconds=1)) is None
    assert digest_due_on(schedule, due_at) == local_on
    end_of_day = dt.datetime.combine(local_on, dt.time(23, 59), tzinfo=ZoneInfo(zone))
    assert digest_due_on(schedule, end_of_day) == local_on


@pytest.mark.parametrize(("zone", "local_on", "hour", "due_at"), DST_DIGESTS)
def test_a_beat_every_five_minutes_sends_one_digest_per_local_date(zone, local_on, hour, due_at):
    """Simulates the scheduler across the change: each local date's digest goes out once, at its moment."""
    schedule = DigestSchedule(zone, hour)
    sent: dict[dt.date, dt.datetime] = {}
    # From local midnight two days before to local midnight two days after, every five minutes.
    now = dt.datetime.combine(local_on - dt.timedelta(days=2), dt.time(), tzinfo=ZoneInfo(zone))
    end = dt.datetime.combine(local_on + dt.timedelta(days=3), dt.time(), tzinfo=ZoneInfo(zone))
    now, end = now.astimezone(dt.UTC), end.astimezone(dt.UTC)
    while now < end:
        due = digest_due_on(schedule, now)
        if due is not None and due not in sent:
            sent[due] = now
        now += dt.timedelta(minutes=5)
    assert sent[local_on] == due_at
    days = sorted(sent)
    assert days == [local_on + dt.timedelta(days=n) for n in range(-2, 3)]
    assert all(sent[day] == digest_moment(schedule, day) for day in days)


def test_a_repeated_hour_on_a_fall_back_day_is_still_the_same_local_date():
    schedule = DigestSchedule(NYC, 1)
    first, second = utc("2025-11-02 05:00"), utc("2025-11-02 06:00")  # 01:00 EDT, then 01:00 EST
    assert digest_due_on(schedule, first) == digest_due_on(schedule, second) == d("2025-11-02")


def test_the_local_date_is_not_the_utc_date_in_auckland():
    # 20:00 UTC on Saturday 4 October is 09:00 on Sunday 5 October in Auckland.
    assert digest_due_on(DigestSchedule(AKL, 8), utc("2025-10-04 20:00")) == d("2025-10-05")


@pytest.mark.parametrize(
    ("frequency", "weekday", "now", "expected"),
    [
        pytest.param(
            "weekly", 6, utc("2025-03-09 12:00"), d("2025-03-09"), id="weekly-on-its-weekday-is-due"
        ),
        pytest.param("weekly", 0, utc("2025-03-09 12:00"), None, id="weekly-on-another-day-is-not"),
        pytest.param("weekly", 0, utc("2025-03-10 12:00"), d("2025-03-10"), id="weekly-monday-on-monday"),
        pytest.param("off", 0, utc("2025-03-10 12:00"), None, id="off-is-never-due"),
        pytest.param("daily", 0, utc("2025-03-09 11:59"), None, id="daily-before-the-hour-is-not-due"),
    ],
)
def test_digest_frequency(frequency, weekday, now, expected):
    assert digest_due_on(DigestSchedule(NYC, 8, frequency, weekday), now) == expected


@pytest.mark.parametrize(
    ("frequency", "weekday", "after_on", "expected"),
    [
        pytest.param("daily", 0, d("2025-03-09"), d("2025-03-10"), id="daily-the-next-day"),
        pytest.param("weekly", 0, d("2025-03-09"), d("2025-03-10"), id="weekly-monday-from-sunday"),
        pytest.param("weekly", 0, d("2025-03-10"), d("2025-03-17"), id="weekly-monday-from-monday"),
        pytest.param("off", 0, d("2025-03-10"), None, id="off-never"),
    ],
)
def test_digest_next_on(frequency, weekday, after_on, expected):
    assert digest_next_on(DigestSchedule(NYC, 8, frequency, weekday), after_on) == expected


def test_digest_due_on_refuses_a_naive_now():
    with pytest.raises(ValueError):
        digest_due_on(DigestSchedule(LON), dt.datetime(2025, 6, 2, 9))


@pytest.mark.parametrize(
    ("day", "professional", "personal"),
    [
        pytest.param(MON, True, True, id="monday-both"),
        pytest.param(FRI, True, True, id="friday-both"),
        pytest.param(SAT, False, True, id="saturday-personal-only"),
        pytest.param(SUN, False, True, id="sunday-personal-only"),
    ],
)
def test_professional_follow_ups_are_sent_only_on_working_days(day, professional, personal):
    assert professional_sendable(day) is professional
    assert followup_sendable(W, day) is professional
    assert followup_sendable(P, day) is personal


# Reading rows into plain values ----------------------------------------------------------------------------


def test_contact_facts_take_the_creation_date_in_the_users_zone():
    row = SimpleNamespace(
        intention=Intention.BOTH,
        circle=Circle.INNER,
        created_at=utc("2025-06-01 23:30"),  # already Monday morning in Auckland
        personal_cadence_days=None,
        professional_cadence_days=45,
        reminders_paused=False,
        archived_at=utc("2025-06-05 10:00"),
        birthday_month=2,
        birthday_day=29,
        imported_on=None,
        import_position=None,
    )
    facts = ContactFacts.from_contact(row, ZoneInfo(AKL))
    assert facts.created_on == MON
    assert facts.archived is True
    assert facts.professional_cadence_days == 45


def test_a_touch_takes_the_interactions_local_date():
    row = SimpleNamespace(occurred_at=utc("2025-06-03 03:00"), purpose=W, kind=Kind.MET, event_id=7)
    assert Touch.from_interaction(row, ZoneInfo(NYC)) == Touch(MON, W, Kind.MET, 7)


# Due wording: lateness and nearness in words, never a ratio (on the dashboards, Due and the contact page).
@pytest.mark.parametrize(
    ("due_on", "words"),
    [
        (MON - dt.timedelta(days=1), "1 day late"),
        (MON - dt.timedelta(days=2), "2 days late"),
        (MON - dt.timedelta(days=13), "13 days late"),
        (MON - dt.timedelta(days=14), "2 weeks late"),
        (MON - dt.timedelta(days=21), "3 weeks late"),
        (MON - dt.timedelta(days=59), "8 weeks late"),
        (MON - dt.timedelta(days=60), "2 months late"),
        (MON - dt.timedelta(days=154), "5 months late"),  # "334 days since, every 180"
        (MON - dt.timedelta(days=364), "11 months late"),
        (MON - dt.timedelta(days=365), "1 year late"),
        (MON - dt.timedelta(days=800), "2 years late"),
        (MON, "due today"),
        (TUE, "due tomorrow"),
        (WED, "due Wednesday"),
        (FRI, "due Friday"),
        (SUN, "due Sunday"),
        (NEXT_MON, "due in 7 days"),
        (MON + dt.timedelta(days=13), "due in 13 days"),
        (MON + dt.timedelta(days=21), "due in 3 weeks"),
        (MON + dt.timedelta(days=41), "due in 5 weeks"),
        (MON + dt.timedelta(days=42), "due 14 Jul"),
        (dt.date(2026, 1, 12), "due 12 Jan 2026"),
    ],
)
def test_due_words(due_on, words):
    assert wording.due_words(due_on, MON) == words


def test_due_words_print_a_far_date_in_the_callers_style():
    assert wording.due_words(dt.date(2025, 12, 1), MON, day=lambda d: d.strftime("%m/%d")) == "due 12/01"
