"""The follow-up policy (PRODUCT.md, "The rules, with their numbers"): clocks, due dates, health, overdue
score, the clock state stored on each contact, drift, lasting, and the digest schedule, as pure functions
over plain values. How a due date is worded ("3 weeks late") is contacts.wording's.

Nothing here queries the database or reads the clock. Callers pass `today` (the user's local date) or `now`
(an aware datetime), and turn rows into plain values with `ContactFacts.from_contact` and
`Touch.from_interaction`. Every other part of Kith asks this module, so each rule lives in one place and
`tests/test_policy.py` can mirror PRODUCT.md row by row.

WORDING: a follow-up is worded socially (catch up, make plans, recall personal details) or professionally
(thank, share what was promised, propose a next step) by the follow-up's *purpose*, never by the contact's
intention, so a `both` contact gets one of each. The words themselves belong to the digest, not here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.db import models

from accounts.choices import Intention, Purpose, intention_purposes
from accounts.dates import moment_clamp


class ContactLike(Protocol):
    """What the policy reads of a contact (contacts.models.Contact has it). A protocol, not an import: the
    models module imports the clock code that asks this module."""

    @property
    def intention(self) -> str: ...
    @property
    def circle(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def personal_cadence_days(self) -> int | None: ...
    @property
    def professional_cadence_days(self) -> int | None: ...
    @property
    def reminders_paused(self) -> bool: ...
    @property
    def archived_at(self) -> dt.datetime | None: ...
    @property
    def birthday_month(self) -> int | None: ...
    @property
    def birthday_day(self) -> int | None: ...
    @property
    def imported_on(self) -> dt.date | None: ...
    @property
    def import_position(self) -> float | None: ...


class InteractionLike(Protocol):
    """What the policy reads of an interaction (interactions.models.Interaction has it). A protocol, not an
    import: the interactions app sits above this one."""

    occurred_at: dt.datetime
    purpose: str
    kind: str
    event_id: int | None


# The user's cadence defaults, `table[purpose][circle] -> days`, as User.cadence_table() returns them.
CadenceTable = Mapping[str, Mapping[str, int]]

# interactions.models.Kind.MET and accounts.models.DigestFrequency values, spelled out so that this module
# imports no models and runs before the app registry is ready; a test checks they still agree.
MET = "met"
DAILY = "daily"
WEEKLY = "weekly"
OFF = "off"

FIRST_PERSONAL_FOLLOWUP_DAYS = 2
DRIFT_MIN_INTERACTIONS = 3
DRIFT_WINDOW = 5
LASTING_MIN_LATER_INTERACTIONS = 2
# Monday is 0. Kith keeps no holiday calendar: a public holiday is a working day.
LAST_WORKING_WEEKDAY = 4


class Reason(models.TextChoices):
    """Why a follow-up is due."""

    AFTER_MEETING = "after_meeting", "After meeting"
    CADENCE = "cadence", "Keep in touch"
    REQUESTED = "requested", "Requested"
    BIRTHDAY = "birthday", "Birthday"


class Health(models.TextChoices):
    """How a clock is doing, from best to worst."""

    RECENT = "recent", "Recent"
    FADING = "fading", "Fading"
    LAPSED = "lapsed", "Lapsed"


# How far gone each health is, for "the worst of" and for sorting; contacts.queries computes it in SQL.
HEALTH_RANK = {Health.RECENT: 0, Health.FADING: 1, Health.LAPSED: 2}


def local_date(at: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The date `at` falls on in `zone`; every rule counts days in the user's time zone.

    Every date the policy works with comes through here (a contact's creation, each touch, today), so this is
    where a moment outside Kith's years (accounts.dates), stored before they were enforced, is brought to the
    nearest end of them: the rules then add cadences to it, and year 9999 plus a cadence overflows."""
    if at.tzinfo is None:
        raise ValueError("local_date needs an aware datetime")
    return moment_clamp(at).astimezone(zone).date()


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """What the policy needs to know about one contact."""

    intention: str
    circle: str
    created_on: dt.date
    personal_cadence_days: int | None = None
    professional_cadence_days: int | None = None
    reminders_paused: bool = False
    archived: bool = False
    birthday_month: int | None = None
    birthday_day: int | None = None
    # The local date of the import that brought the contact's history, and its place in that import from 0 up
    # to 1 (PRODUCT.md, "Clocks from imported history"; `imported_clock_due`).
    imported_on: dt.date | None = None
    import_position: float | None = None

    @classmethod
    def from_contact(cls, contact: ContactLike, zone: dt.tzinfo) -> ContactFacts:
        """Read a Contact's own fields (no query); its creation date is taken in the user's `zone`."""
        return cls(
            intention=contact.intention,
            circle=contact.circle,
            created_on=local_date(contact.created_at, zone),
            personal_cadence_days=contact.personal_cadence_days,
            professional_cadence_days=contact.professional_cadence_days,
            reminders_paused=contact.reminders_paused,
            archived=contact.archived_at is not None,
            birthday_month=contact.birthday_month,
            birthday_day=contact.birthday_day,
            imported_on=contact.imported_on,
            import_position=contact.import_position,
        )

    def cadence_override(self, purpose: str) -> int | None:
        return self.personal_cadence_days if purpose == Purpose.PERSONAL else self.professional_cadence_days


@dataclass(frozen=True, slots=True)
class Touch:
    """One interaction as a contact's clocks see it: its local date, purpose and kind."""

    on: dt.date
    purpose: str
    kind: str = "conversation"
    event_id: int | None = None

    @classmethod
    def from_interaction(cls, interaction: InteractionLike, zone: dt.tzinfo) -> Touch:
        return cls(
            on=local_date(interaction.occurred_at, zone),
            purpose=interaction.purpose,
            kind=interaction.kind,
            event_id=interaction.event_id,
        )


@dataclass(frozen=True, slots=True)
class Due:
    """A planned follow-up: which group it belongs to, when it is due, and why.

    `since` and `cadence` describe the clock behind it (its start and its length in days); a birthday has
    no clock, so both are None and its overdue score is 0.
    """

    purpose: str
    due_on: dt.date
    reason: str
    since: dt.date | None = None
    cadence: int | None = None

    def overdue_score(self, today: dt.date) -> float:
        if self.since is None or self.cadence is None:
            return 0.0
        return overdue_score((today - self.since).days, self.cadence)


# Clocks and due dates -------------------------------------------------------------------------------------


def clock_purposes(intention: str) -> tuple[str, ...]:
    """A personal contact keeps a personal clock, a professional one a professional clock, `both` one
    of each."""
    return tuple(intention_purposes(intention))


def cadence_for(contact: ContactFacts, purpose: str, table: CadenceTable) -> int:
    """Days between follow-ups of one purpose: the contact's own cadence, else the user's default for
    its circle."""
    override = contact.cadence_override(purpose)
    return override if override is not None else table[purpose][contact.circle]


def is_working_day(day: dt.date) -> bool:
    return day.weekday() <= LAST_WORKING_WEEKDAY


def next_working_day(day: dt.date) -> dt.date:
    """The first Monday-to-Friday date strictly after `day`."""
    return on_or_after_working_day(day + dt.timedelta(days=1))


def on_or_after_working_day(day: dt.date) -> dt.date:
    """`day` itself on Monday to Friday; the following Monday on a weekend."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_from(start: dt.date, days: int) -> int:
    """How many of the `days` days from `start` on are working days (Monday to Friday)."""
    weeks, rest = divmod(days, 7)
    tail = start + dt.timedelta(days=7 * weeks)
    return 5 * weeks + sum(is_working_day(tail + dt.timedelta(days=i)) for i in range(rest))


def nth_working_day(start: dt.date, index: int) -> dt.date:
    """The working day `index` working days after the first one on or after `start` (index 0 is that one)."""
    weeks, rest = divmod(index, 5)
    day = on_or_after_working_day(start) + dt.timedelta(days=7 * weeks)
    for _ in range(rest):
        day = next_working_day(day)
    return day


def imported_clock_due(contact: ContactFacts, purpose: str, since: dt.date, cadence: int) -> dt.date | None:
    """PRODUCT.md, "Clocks from imported history": when an import left this clock's last touch (`since`)
    older than its cadence, the follow-up is not due at once but at the contact's place in the import,
    spread evenly over the cadence that starts on the import day (over its working days for a professional
    clock). A contact's place is its rank in the import divided by the import's size, so 500 contacts over
    64 working days put at most 8 on a day, where a hash would cluster. None when the plain rule applies:
    no import, a touch on or after the import day (the user logged one), or a clock not yet overdue then."""
    imported_on, position = contact.imported_on, contact.import_position
    if imported_on is None or position is None or since >= imported_on:
        return None
    if since + dt.timedelta(days=cadence) >= imported_on:
        return None
    place = min(max(position, 0.0), 1.0)
    if purpose == Purpose.PROFESSIONAL:
        slots = max(working_days_from(imported_on, cadence), 1)
        return nth_working_day(imported_on, min(int(place * slots), slots - 1))
    return imported_on + dt.timedelta(days=min(int(place * cadence), cadence - 1))


def first_followup_due(met_on: dt.date, purpose: str) -> dt.date:
    """The first follow-up after a `met` interaction: personal 2 days later, any weekday; professional the
    next working day (a Friday, Saturday or Sunday meeting is due Monday)."""
    if purpose == Purpose.PROFESSIONAL:
        return next_working_day(met_on)
    return met_on + dt.timedelta(days=FIRST_PERSONAL_FOLLOWUP_DAYS)


def clock_last(touches: Iterable[Touch], purpose: str) -> Touch | None:
    """The touch that last reset the clock of `purpose`; touches of the other purpose never do.

    Touches carry dates, not times, so on a day with both a meeting and another interaction the meeting counts
    as the earlier one: the follow-up after it has happened.
    """
    own = [t for t in touches if t.purpose == purpose]
    return max(own, key=lambda t: (t.on, t.kind != MET), default=None)


def clock_due(
    contact: ContactFacts,
    purpose: str,
    last_on: dt.date | None,
    table: CadenceTable,
    *,
    last_was_met: bool = False,
) -> Due | None:
    """When the clock of `purpose` is next due, or None when the contact gets no reminders for it.

    1. Archived and paused contacts, and purposes the contact keeps no clock for, get nothing.
    2. A clock whose last touch was a `met` is due for the first follow-up after the meeting.
    3. Otherwise it is due a cadence after its last touch, or after the contact's creation when it has
       none (so an import never floods the digest); a professional date moves forward to a working day.
    4. A clock an import left overdue is due at the contact's place in that import instead
       (`imported_clock_due`).
    """
    if contact.archived or contact.reminders_paused or purpose not in clock_purposes(contact.intention):
        return None
    cadence = cadence_for(contact, purpose, table)
    if last_on is not None and last_was_met:
        return Due(purpose, first_followup_due(last_on, purpose), Reason.AFTER_MEETING, last_on, cadence)
    since = last_on if last_on is not None else contact.created_on
    due_on = since + dt.timedelta(days=cadence)
    if purpose == Purpose.PROFESSIONAL:
        due_on = on_or_after_working_day(due_on)
    if last_on is not None and (spread := imported_clock_due(contact, purpose, last_on, cadence)) is not None:
        due_on = spread
    return Due(purpose, due_on, Reason.CADENCE, since, cadence)


def birthday_next(month: int, day: int, today: dt.date) -> dt.date:
    """The next birthday on or after `today`; 29 February is kept on 28 February in other years."""
    year = today.year
    while True:
        candidate = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate >= today:
            return candidate
        year += 1


def followups_plan(
    contact: ContactFacts, touches: Iterable[Touch], table: CadenceTable, today: dt.date
) -> list[Due]:
    """Everything the policy plans for one contact: one follow-up per clock, then the birthday (personal
    group) for personal and `both` contacts. `requested` follow-ups are the user's, not planned here."""
    if contact.archived or contact.reminders_paused:
        return []
    touches = list(touches)
    plan: list[Due] = []
    for purpose in clock_purposes(contact.intention):
        last = clock_last(touches, purpose)
        due = clock_due(
            contact,
            purpose,
            last.on if last else None,
            table,
            last_was_met=last is not None and last.kind == MET,
        )
        if due is not None:
            plan.append(due)
    month, day = contact.birthday_month, contact.birthday_day
    if month is not None and day is not None and Purpose.PERSONAL in clock_purposes(contact.intention):
        on = birthday_next(month, day, today)
        plan.append(Due(Purpose.PERSONAL, on, Reason.BIRTHDAY))
    return plan


# Health and overdue score ---------------------------------------------------------------------------------


def health(elapsed_days: int, cadence: int) -> Health:
    """`recent` while elapsed <= cadence, `fading` while elapsed <= 2 x cadence, `lapsed` after that."""
    if elapsed_days <= cadence:
        return Health.RECENT
    if elapsed_days <= 2 * cadence:
        return Health.FADING
    return Health.LAPSED


def health_worst(healths: Iterable[str]) -> Health:
    """The worse of several clocks' health (a `both` contact shows its worse clock)."""
    return max((Health(h) for h in healths), key=HEALTH_RANK.__getitem__, default=Health.RECENT)


def clock_elapsed(
    contact: ContactFacts, purpose: str, last_on: Mapping[str, dt.date | None], today: dt.date
) -> int:
    """Days since the clock of `purpose` was last reset, or since the contact was created."""
    since = last_on.get(purpose) or contact.created_on
    return (today - since).days


def contact_health(
    contact: ContactFacts, last_on: Mapping[str, dt.date | None], table: CadenceTable, today: dt.date
) -> Health:
    """The health of a contact's clocks, the worse one for a `both` contact. `last_on[purpose]` is the local
    date of the last interaction of that purpose (missing or None when there is none). Pausing and archiving
    stop reminders, not time, so they do not change health."""
    return health_worst(
        health(clock_elapsed(contact, p, last_on, today), cadence_for(contact, p, table))
        for p in clock_purposes(contact.intention)
    )


def overdue_score(elapsed_days: int, cadence: int) -> float:
    """`max(elapsed - cadence, 0) / cadence`: overdue in cadences, so a lapsed fortnightly friend outranks a
    slightly late half-yearly one. Any SQL version of this must be tested against it."""
    return max(elapsed_days - cadence, 0) / cadence


def contact_overdue_score(
    contact: ContactFacts, last_on: Mapping[str, dt.date | None], table: CadenceTable, today: dt.date
) -> float:
    """The higher overdue score of a contact's clocks."""
    return max(
        overdue_score(clock_elapsed(contact, p, last_on, today), cadence_for(contact, p, table))
        for p in clock_purposes(contact.intention)
    )


def overdue_rank_key(score: float, due_on: dt.date) -> tuple[float, dt.date]:
    """Sort key for "most overdue first": the higher score first, then the earlier due date."""
    return (-score, due_on)


def dues_most_overdue_first(dues: Iterable[Due], today: dt.date) -> list[Due]:
    return sorted(dues, key=lambda d: overdue_rank_key(d.overdue_score(today), d.due_on))


# The clock state stored on each contact -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClockDates:
    """One clock as the days its health turns, so that a contact can store it and a dashboard can find who
    is fading, lapsed or overdue by a range of an index instead of working out every clock each time.
    `health(clock_elapsed, cadence)` is recent up to and including `due_on` (the day the elapsed days reach
    the cadence), fading until `lapsed_on` and lapsed from it."""

    cadence: int
    due_on: dt.date
    lapsed_on: dt.date

    def health(self, today: dt.date) -> Health:
        if today <= self.due_on:
            return Health.RECENT
        return Health.FADING if today < self.lapsed_on else Health.LAPSED

    def overdue_score(self, today: dt.date) -> float:
        """`overdue_score` of the clock on `today`: within one cadence, the earlier due date ranks higher."""
        return overdue_score((today - self.due_on).days + self.cadence, self.cadence)


@dataclass(frozen=True, slots=True)
class ClockState:
    """A contact's two clocks as dates, and the days its health turns fading and lapsed: the earliest of the
    clocks its intention keeps (`clock_purposes`). A clock the intention does not keep still says how long
    since an interaction of that purpose, which an event's lasting relationships ask of anyone met there."""

    personal: ClockDates
    professional: ClockDates
    fading_on: dt.date
    lapsed_on: dt.date

    def clock(self, purpose: str) -> ClockDates:
        return self.personal if purpose == Purpose.PERSONAL else self.professional

    def health(self, today: dt.date) -> Health:
        if today < self.fading_on:
            return Health.RECENT
        return Health.FADING if today < self.lapsed_on else Health.LAPSED


def clock_dates(
    contact: ContactFacts, purpose: str, last_on: Mapping[str, dt.date | None], table: CadenceTable
) -> ClockDates:
    """The clock of `purpose` as dates: from its last reset (`clock_elapsed`), one cadence is recent, the
    next one fading."""
    since = last_on.get(purpose) or contact.created_on
    cadence = cadence_for(contact, purpose, table)
    return ClockDates(cadence, since + dt.timedelta(days=cadence), since + dt.timedelta(days=2 * cadence + 1))


def clock_state(
    contact: ContactFacts, last_on: Mapping[str, dt.date | None], table: CadenceTable
) -> ClockState:
    """What a contact stores of its clocks (see ClockState); every intention keeps at least one clock."""
    clocks = {p: clock_dates(contact, p, last_on, table) for p in Purpose.values}
    kept = [clocks[p] for p in clock_purposes(contact.intention)]
    return ClockState(
        personal=clocks[Purpose.PERSONAL],
        professional=clocks[Purpose.PROFESSIONAL],
        fading_on=min(c.due_on for c in kept) + dt.timedelta(days=1),
        lapsed_on=min(c.lapsed_on for c in kept),
    )


# Drift and lasting ----------------------------------------------------------------------------------------


def is_drifting(intention: str, purposes_newest_first: Sequence[str]) -> bool:
    """A personal or professional contact with at least 3 interactions whose last 5 (or all, if fewer) contain
    none of the intention's purpose. A `both` contact never drifts: its two clocks show neglect instead."""
    if intention == Intention.BOTH or len(purposes_newest_first) < DRIFT_MIN_INTERACTIONS:
        return False
    return intention not in purposes_newest_first[:DRIFT_WINDOW]


def is_lasting(met_on: dt.date, later_on: Iterable[dt.date], cadence: int, today: dt.date) -> bool:
    """Someone met at an event is a lasting relationship after at least 2 later interactions of the meeting's
    purpose, the last within 2 x cadence of today (the clock has not lapsed). `later_on` holds the local dates
    of those interactions; any before the meeting are ignored."""
    later = [d for d in later_on if d >= met_on]
    if len(later) < LASTING_MIN_LATER_INTERACTIONS:
        return False
    return (today - max(later)).days <= 2 * cadence


# The digest schedule --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When a user's digest goes out: an IANA time zone, a local hour, daily/weekly/off, and a weekday
    (Monday is 0) for weekly digests."""

    time_zone: str
    hour: int = 8
    frequency: str = DAILY
    weekday: int = 0

    @classmethod
    def from_user(cls, user: Any) -> DigestSchedule:
        return cls(user.time_zone, user.digest_hour, user.digest_frequency, user.digest_weekday)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def sends_on(self, day: dt.date) -> bool:
        return bool(digest_purposes(self, day))


def digest_moment(schedule: DigestSchedule, local_on: dt.date) -> dt.datetime:
    """The instant (in UTC) the digest of `local_on` falls due: the digest hour on that local date.

    When daylight saving skips that hour, the instant is the first one after the gap (02:00 in New York on a
    spring-forward day is 03:00 EDT); when the hour happens twice, the first of the two counts.
    """
    # fold=0 gives both behaviours: a skipped time is read with the offset before the gap, landing just
    # after it, and a repeated time is its first occurrence.
    naive = dt.datetime.combine(local_on, dt.time(schedule.hour))
    return naive.replace(tzinfo=schedule.zone, fold=0).astimezone(dt.UTC)


def digest_due_on(schedule: DigestSchedule, now: dt.datetime) -> dt.date | None:
    """The local date of the digest due at `now`, or None when none is.

    A digest is due from its moment (see `digest_moment`) until the end of that local date; weekly digests
    only on their weekday, and on the working day after it when that weekday is a weekend day (the
    Network-only digest: `digest_purposes`). The caller sends each (user, local date) once, so a repeated
    local hour on a fall-back day, or a scheduler firing twice, still gives one digest.
    """
    if now.tzinfo is None:
        raise ValueError("digest_due_on needs an aware datetime")
    today = local_date(now, schedule.zone)
    if not schedule.sends_on(today):
        return None
    # Compare in UTC: aware datetimes sharing one tzinfo compare by wall time, which is wrong across a fold.
    return today if now.astimezone(dt.UTC) >= digest_moment(schedule, today) else None


def digest_next_on(schedule: DigestSchedule, after_on: dt.date) -> dt.date | None:
    """The local date of the first digest strictly after `after_on` (None when digests are off); its
    `digest_moment` is when to look again."""
    if schedule.frequency not in (DAILY, WEEKLY):
        return None
    day = after_on + dt.timedelta(days=1)
    while not schedule.sends_on(day):
        day += dt.timedelta(days=1)
    return day


def professional_sendable(local_on: dt.date) -> bool:
    """Professional follow-ups are only emailed on working days (Monday to Friday)."""
    return is_working_day(local_on)


def followup_sendable(purpose: str, local_on: dt.date) -> bool:
    """Whether a digest on `local_on` may carry a follow-up of `purpose`: personal any day, professional on
    working days."""
    return purpose != Purpose.PROFESSIONAL or professional_sendable(local_on)


def sendable_purposes(local_on: dt.date) -> tuple[str, ...]:
    """The purposes a digest on `local_on` may carry: personal any day, professional on working days."""
    return tuple(purpose for purpose in Purpose.values if followup_sendable(purpose, local_on))


def digest_purposes(schedule: DigestSchedule, local_on: dt.date) -> tuple[str, ...]:
    """The groups the digest of `local_on` carries, by purpose; empty when no digest falls on that day.

    Daily: personal follow-ups every day, professional ones on working days. Weekly: the same on its
    weekday; and when that weekday is a Saturday or Sunday, which carries Friendships only, its Network
    follow-ups go in a Network-only digest on the next working day at the same hour, so every follow-up is
    still emailed.
    """
    if schedule.frequency == DAILY or (
        schedule.frequency == WEEKLY and local_on.weekday() == schedule.weekday
    ):
        return sendable_purposes(local_on)
    if schedule.frequency == WEEKLY:
        weekly_on = local_on - dt.timedelta(days=(local_on.weekday() - schedule.weekday) % 7)
        if not is_working_day(weekly_on) and next_working_day(weekly_on) == local_on:
            return (Purpose.PROFESSIONAL,)
    return ()
