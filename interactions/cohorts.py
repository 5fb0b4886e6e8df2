"""Which events were worth it: an event's cohort, the people met there (a `met` interaction at the event) and
what became of them for the purpose of that meeting: followed up within a week, still in touch at 1, 3, 6 and
12 months, lasting (PRODUCT.md), and whose intention has changed since.

The rules are contacts.cohort_rules' (`followed_up_within_week`, `in_touch_at`) and contacts.policy's
(`is_lasting`, `cadence_for`); this module reads the rows they need in two queries, whatever the number of
events or people, and counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F

from accounts.choices import Intention, Purpose
from accounts.models import User
from contacts import cohort_rules, policy
from contacts.models import Contact
from interactions.models import Event, Kind, Participation

# How far after a meeting its later interactions are read: the last window ends 12 months after it in the
# user's time zone; a few days more cover any time zone, and the policy then decides on local dates.
LATER_SPAN = dt.timedelta(days=31 * max(cohort_rules.IN_TOUCH_MONTHS) + 2)


@dataclass(frozen=True)
class Mark:
    """One "in touch at" number of a cohort: None until the mark has passed for everyone in it."""

    months: int
    count: int | None

    @property
    def label(self) -> str:
        return f"{self.months} month" if self.months == 1 else f"{self.months} months"


@dataclass
class Outcome:
    """What became of one person met at an event, for the purpose of their (first) meeting there."""

    contact: Contact
    met_at: dt.datetime
    intention_then: str
    followed_up: bool
    in_touch: dict[int, bool | None]
    lasting: bool

    @property
    def intention_changed(self) -> bool:
        return self.contact.intention != self.intention_then

    @property
    def intention_then_label(self) -> str:
        return Intention(self.intention_then).label


@dataclass
class Cohort:
    """The people met at one event with a `met` interaction of one purpose."""

    event_id: int
    purpose: str
    people: list[Outcome] = field(default_factory=list)

    @property
    def met(self) -> int:
        return len(self.people)

    @property
    def followed_up(self) -> int:
        return sum(o.followed_up for o in self.people)

    @property
    def lasting(self) -> int:
        return sum(o.lasting for o in self.people)

    @property
    def intention_changed(self) -> int:
        return sum(o.intention_changed for o in self.people)

    @property
    def lasting_people(self) -> list[Outcome]:
        return [o for o in self.people if o.lasting]

    @property
    def changed_people(self) -> list[Outcome]:
        return [o for o in self.people if o.intention_changed]

    @property
    def marks(self) -> list[Mark]:
        marks = []
        for months in cohort_rules.IN_TOUCH_MONTHS:
            answers = [o.in_touch[months] for o in self.people]
            count = None if any(a is None for a in answers) else sum(bool(a) for a in answers)
            marks.append(Mark(months, count))
        return marks


def _lasting(
    contact: Contact,
    purpose: str,
    met_at: dt.datetime,
    zone: dt.tzinfo,
    table: policy.CadenceTable,
    today: dt.date,
) -> bool:
    """policy.is_lasting from the contact's timeline summary: its latest two interactions of the purpose
    (interactions.actions.timeline_summary), those after the meeting; at least two of them means both are."""
    since = [
        when
        for when in (getattr(contact, f"previous_{purpose}_at"), getattr(contact, f"last_{purpose}_at"))
        if when is not None and when > met_at
    ]
    cadence = policy.cadence_for(policy.ContactFacts.from_contact(contact, zone), purpose, table)
    later_on = [policy.local_date(when, zone) for when in since]
    return policy.is_lasting(policy.local_date(met_at, zone), later_on, cadence, today)


# A meeting's key: the event, the person and the meeting's purpose.
type MeetingKey = tuple[int, int, str]


def _meetings_read(
    user: User, event_ids: list[int]
) -> tuple[dict[MeetingKey, Participation], dict[MeetingKey, list[tuple[dt.datetime, int]]]]:
    """The meetings at the events, each person's first of each purpose at each event (with the person), and
    the (time, interaction id) of the interactions of the meeting's purpose each had from their meetings there
    on, for LATER_SPAN: a join of their participations to the meeting's. Two queries."""
    at_events = Participation.objects.filter(
        owner=user, interaction__owner=user, interaction__kind=Kind.MET, interaction__event_id__in=event_ids
    )
    meetings: dict[MeetingKey, Participation] = {}
    for meeting in at_events.select_related("contact", "interaction").order_by(
        "occurred_at", "interaction_id"
    ):
        event_id = meeting.interaction.event_id
        assert event_id is not None  # filtered on above; says so to mypy
        meetings.setdefault((event_id, meeting.contact_id, meeting.purpose), meeting)
    later = at_events.filter(
        contact__participations__purpose=F("purpose"),
        contact__participations__occurred_at__gte=F("occurred_at"),
        contact__participations__occurred_at__lte=F("occurred_at") + LATER_SPAN,
    ).values_list(
        "interaction__event_id",
        "contact_id",
        "purpose",
        "contact__participations__occurred_at",
        "contact__participations__interaction_id",
    )
    seen: dict[MeetingKey, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for event_id, contact_id, purpose, when, interaction_id in later:
        seen[(event_id, contact_id, purpose)].append((when, interaction_id))
    return meetings, seen


def event_cohorts(user: User, event_ids: Iterable[int], today: dt.date) -> dict[int, list[Cohort]]:
    """The cohorts of the user's events `event_ids`, personal first, for their local date `today`.

    1. Two queries read the meetings at the events, with the people met, and the interactions of each
       meeting's purpose those people had in the year after it (_meetings_read).
    2. The policy decides, on the user's local dates, for each person: the meeting itself and anything
       before it are not a follow-up; their cadence and timeline summary decide `lasting`.
    """
    meetings, seen = _meetings_read(user, list(event_ids))
    zone, table = user.zone, user.cadence_table()
    cohorts: dict[tuple[int, str], Cohort] = {}
    for key, meeting in meetings.items():
        event_id, _, purpose = key
        met_at, met_on = meeting.occurred_at, policy.local_date(meeting.occurred_at, zone)
        later_on = [
            policy.local_date(when, zone)
            for when, interaction_id in seen[key]
            if when >= met_at and interaction_id != meeting.interaction_id
        ]
        outcome = Outcome(
            contact=meeting.contact,
            met_at=met_at,
            intention_then=meeting.intention_then,
            followed_up=cohort_rules.followed_up_within_week(met_on, later_on),
            in_touch={
                m: cohort_rules.in_touch_at(met_on, later_on, m, today) for m in cohort_rules.IN_TOUCH_MONTHS
            },
            lasting=_lasting(meeting.contact, purpose, met_at, zone, table, today),
        )
        cohorts.setdefault((event_id, purpose), Cohort(event_id, purpose)).people.append(outcome)

    found: dict[int, list[Cohort]] = defaultdict(list)
    order = list(Purpose.values)
    for (event_id, _), cohort in sorted(cohorts.items(), key=lambda item: order.index(item[0][1])):
        cohort.people.sort(key=lambda o: (o.contact.display_name.lower(), o.contact.pk))
        found[event_id].append(cohort)
    return dict(found)


def event_cohort(owner: User, event: Event, now: dt.datetime) -> list[Cohort]:
    """The cohorts of one of the owner's events, as its page shows them: the people met there for personal
    reasons, then for professional ones (an event can have both)."""
    return event_cohorts(owner, [event.pk], policy.local_date(now, owner.zone)).get(event.pk, [])
