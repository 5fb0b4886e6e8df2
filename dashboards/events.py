"""The Events page: which events were worth it. Events compared by their cohorts (interactions.cohorts), for
each group: Friendships (people met for personal reasons) and Network (professional ones), each with a
small chart (people met and how many of them became lasting, per event) and the table of every number.

Its cost does not grow with the data: one query lists the events with people met there, then the cohorts
of the latest COMPARE_CAP of each group take two more (interactions.cohorts.event_cohorts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F

from accounts.choices import Purpose
from accounts.models import User
from accounts.pages import url_with_id
from contacts.cohort_rules import IN_TOUCH_MONTHS
from followups.engine import GROUP_TITLES
from interactions.cohorts import Cohort, event_cohorts
from interactions.models import Interaction, Kind

# Events compared per group, the latest first; older ones are counted, not listed.
COMPARE_CAP = 20


@dataclass(frozen=True)
class EventRow:
    """One event in a group: its cohort, and its bar in the group's chart, in percent of the chart's width
    (the longest bar is the event where most people were met)."""

    pk: int
    name: str
    start_date: dt.date
    end_date: dt.date | None
    cohort: Cohort
    met_width: float = 0.0
    lasting_width: float = 0.0

    @property
    def url(self) -> str:
        return url_with_id("event_detail", self.pk)


@dataclass
class EventGroup:
    purpose: str
    rows: list[EventRow] = field(default_factory=list)
    # How many events had people met for this purpose, shown or not.
    total: int = 0

    @property
    def title(self) -> str:
        return GROUP_TITLES[self.purpose]

    @property
    def more(self) -> int:
        return self.total - len(self.rows)

    @property
    def months(self) -> tuple[int, ...]:
        return IN_TOUCH_MONTHS

    @property
    def summary(self) -> str:
        met = sum(r.cohort.met for r in self.rows)
        lasting = sum(r.cohort.lasting for r in self.rows)
        return (
            f"People met at each of the latest {len(self.rows)} events, and how many became lasting: "
            f"{lasting} of {met} in all."
        )


def _bars(rows: list[tuple[int, str, dt.date, dt.date | None, Cohort]]) -> list[EventRow]:
    widest = max((cohort.met for *_, cohort in rows), default=0) or 1
    return [
        EventRow(
            pk,
            name,
            start,
            end,
            cohort,
            met_width=round(100 * cohort.met / widest, 1),
            lasting_width=round(100 * cohort.lasting / widest, 1),
        )
        for pk, name, start, end, cohort in rows
    ]


def events_compare(user: User, today: dt.date) -> list[EventGroup]:
    """The Friendships and Network groups of the Events page, each with its latest COMPARE_CAP events that
    had people met for its purpose (a `met` interaction of that purpose at the event), newest first.

    1. One query lists the (event, purpose) pairs of the user's meetings at events, newest event first.
    2. Two queries work out the cohorts of the events shown (interactions.cohorts.event_cohorts).
    """
    pairs = (
        Interaction.objects.filter(owner=user, kind=Kind.MET, event__isnull=False, event__owner=user)
        .values_list("event_id", "event__name", "event__start_date", "event__end_date", "purpose")
        .order_by(F("event__start_date").desc(), F("event_id").desc())
        .distinct()
    )
    groups = {purpose: EventGroup(purpose) for purpose in Purpose.values}
    listed: dict[str, list[tuple[int, str, dt.date, dt.date | None]]] = {p: [] for p in Purpose.values}
    for pk, name, start, end, purpose in pairs:
        groups[purpose].total += 1
        if len(listed[purpose]) < COMPARE_CAP:
            listed[purpose].append((pk, name, start, end))
    cohorts = event_cohorts(user, {pk for events in listed.values() for pk, *_ in events}, today)
    for purpose, events in listed.items():
        found = []
        for pk, name, start, end in events:
            # A meeting whose people were all deleted since leaves an empty cohort, not an error.
            cohort = next((c for c in cohorts.get(pk, []) if c.purpose == purpose), Cohort(pk, purpose))
            found.append((pk, name, start, end, cohort))
        groups[purpose].rows = _bars(found)
    return [groups[p] for p in Purpose.values]
