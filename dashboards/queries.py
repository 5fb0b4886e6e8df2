"""The dashboards' SQL: who needs attention, health and circles, follow-ups due, events that led to lasting
relationships, and drift. Interactions per month are counted in dashboards.counts.

Each dashboard is one purpose: Friendships looks at `personal` and `both` contacts and personal interactions,
Network at `professional` and `both` contacts and professional interactions. The rules (health, overdue
score, drift, lasting) are contacts.policy's; where a number is computed in SQL for speed
(`contacts.queries.contacts_annotate_clock`, `contacts_annotate_health`), tests/test_dashboards.py proves SQL
and policy agree.

Every query is filtered by owner and the number of queries does not grow with the data: counts are grouped
in SQL, lists are capped in SQL (ORDER BY ... LIMIT), and drift and lasting relationships read each contact's
timeline summary (the purposes of its latest five interactions, its latest two of each purpose: see
interactions.actions.contacts_refresh_last_seen) instead of its timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose
from accounts.models import User
from accounts.pages import url_with_id
from contacts import policy
from contacts.models import Contact
from contacts.policy import HEALTH_RANK, CadenceTable, Health
from contacts.queries import contacts_annotate_clock, contacts_annotate_health
from followups.models import OPEN_STATES, FollowUp, FollowUpState
from interactions.models import Kind

# Lists of people are capped (PRODUCT.md, "Screens"); the rest is a link to the filtered contacts list.
LIST_CAP = 20
EVENTS_CAP = 10


def dashboard_intentions(purpose: str) -> list[str]:
    """The intentions a dashboard looks at: its own purpose and `both`."""
    return [purpose, Intention.BOTH]


def purpose_other(purpose: str) -> str:
    """The other of the two purposes: the other dashboard, or the intention a drifting contact's
    recent interactions suggest instead of its own."""
    return Purpose.PROFESSIONAL if purpose == Purpose.PERSONAL else Purpose.PERSONAL


def contacts_list_url(**params: str) -> str:
    """The contacts list filtered by `params`: where a capped list of people continues."""
    return reverse("contact_list") + "?" + urlencode(params)


def dashboard_people(user: User, purpose: str) -> QuerySet[Contact]:
    """The dashboard's people: active contacts whose intention keeps a clock of `purpose`."""
    return Contact.objects.filter(
        owner=user, archived_at__isnull=True, intention__in=dashboard_intentions(purpose)
    )


# A compiled statement: its SQL and the parameters cursor.execute runs it with.
type Statement = tuple[str, Sequence[Any]]

# Compiled statements: the clock and health in SQL are large expression trees, and compiling them costs more
# than running them (tens of milliseconds a dashboard). Their SQL depends only on what the key holds (the
# user, purpose, local date, time zone and cadence defaults), so each process keeps the compiled statement
# for a while and runs it again with its parameters.
_COMPILED: dict[tuple[object, ...], Statement] = {}
_COMPILED_MAX = 512


def _table_key(table: CadenceTable) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    return tuple((purpose, tuple(sorted(days.items()))) for purpose, days in sorted(table.items()))


def _statement_key(name: str, user: User, purpose: str, today: dt.date) -> tuple[object, ...]:
    """What a clock statement's SQL depends on (see _COMPILED)."""
    return (name, user.pk, purpose, today, user.time_zone, _table_key(user.cadence_table()))


def _statement_rows(key: tuple[object, ...], build: Callable[[], Statement]) -> list[dict[str, Any]]:
    """The rows of the statement `build` makes, as dicts, building it only when `key` is new."""
    key = (connection.vendor, *key)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = build()
    with connection.cursor() as cursor:
        cursor.execute(*compiled)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Follow-ups due ---------------------------------------------------------------------------------------------


def followups_due_counts(user: User, purpose: str, today: dt.date) -> tuple[int, int]:
    """Open follow-ups of `purpose` due today and overdue, as on the Due page: of active contacts, a snoozed
    one from the end of its snooze."""
    waiting = [FollowUpState.SCHEDULED, FollowUpState.SENT]
    counts = (
        # contact__owner is implied, and lets the planner read the contacts through the owner's index.
        FollowUp.objects.filter(owner=user, contact__owner=user, purpose=purpose, state__in=OPEN_STATES)
        # Only what has come due: the rest of the open follow-ups are counted by neither number.
        .filter(Q(due_on__lte=today) | Q(state=FollowUpState.SNOOZED, snoozed_until__lte=today))
        .active()
        .aggregate(
            due=Count(
                "pk",
                filter=Q(state__in=waiting, due_on=today)
                | Q(state=FollowUpState.SNOOZED, snoozed_until=today),
            ),
            overdue=Count(
                "pk",
                filter=Q(state__in=waiting, due_on__lt=today)
                | Q(state=FollowUpState.SNOOZED, snoozed_until__lt=today),
            ),
        )
    )
    return counts["due"], counts["overdue"]


# People: who needs attention, health and circles ------------------------------------------------------------


@dataclass(slots=True)
class Person:
    """A contact as a dashboard lists them: what it shows and links, without building a model instance
    (a Contact costs more to make than its row costs to read, and a dashboard lists up to 200)."""

    pk: int
    display_name: str
    circle: str
    intention: str
    reminders_paused: bool = False
    clock_elapsed: int = 0
    clock_cadence: int = 0
    overdue_score: float = 0.0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Person:
        """A person from a row of the people statement (_PEOPLE_COLUMNS)."""
        return cls(
            pk=row["pk"],
            display_name=row["display_name"],
            circle=row["circle"],
            intention=row["intention"],
            reminders_paused=bool(row["reminders_paused"]),
            clock_elapsed=row["clock_elapsed"],
            clock_cadence=row["clock_cadence"],
            overdue_score=float(row["overdue_score"]),
        )

    def get_absolute_url(self) -> str:
        return url_with_id("contact_detail", self.pk)


@dataclass
class Attention:
    contact: Person
    score: float
    elapsed: int
    cadence: int
    followup: FollowUp | None = None

    @property
    def log_url(self) -> str:
        return url_with_id("dashboard_log", self.contact.pk)

    @property
    def snooze_url(self) -> str:
        return url_with_id("followup_snooze", self.followup.pk) if self.followup else ""


@dataclass
class HealthBucket:
    health: Health
    count: int = 0
    people: list[Person] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.people)


@dataclass
class CircleRow:
    circle: str
    count: int = 0
    met: int = 0
    people: list[Person] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Circle(self.circle).label

    @property
    def behind(self) -> int:
        return self.count - self.met

    @property
    def url(self) -> str:
        return contacts_list_url(circle=self.circle, sort="due")


@dataclass
class PeopleOverview:
    attention: list[Attention]
    attention_total: int
    health: list[HealthBucket]
    circles: list[CircleRow]


# The lists the people statement returns, by the number in its first column.
_HEALTH_LIST = dict(enumerate(HEALTH_RANK.values()))
_CIRCLE_LIST = {len(_HEALTH_LIST) + i: circle for i, circle in enumerate(Circle.values)}
_ATTENTION_LIST = len(_HEALTH_LIST) + len(_CIRCLE_LIST)
_COUNTS = _ATTENTION_LIST + 1
_PEOPLE_COLUMNS = [
    "pk",
    "display_name",
    "circle",
    "intention",
    "reminders_paused",
    "health_rank",
    "clock_elapsed",
    "clock_cadence",
    "overdue_score",
]


_NULL_INT = "CAST(NULL AS BIGINT)"


def _people_statement(people: QuerySet[Contact]) -> Statement:
    """One statement for everything people_overview shows. The people, with their clock and health worked
    out once (a materialised CTE), then, glued with UNION ALL: each capped list as its own ORDER BY ...
    LIMIT (a top-N sort, far cheaper than numbering every row with window functions) and the grouped
    counts. The first column says which list a row belongs to (_HEALTH_LIST, _CIRCLE_LIST,
    _ATTENTION_LIST, or _COUNTS for a count row)."""
    inner, params = (
        people.annotate(sort_name=Lower("display_name"))
        .values(*_PEOPLE_COLUMNS, "sort_name")
        .order_by()
        .query.sql_with_params()
    )
    columns = ", ".join(_PEOPLE_COLUMNS)
    by_name = "sort_name, pk"
    most_overdue = f"overdue_score DESC, {by_name}"
    lists: list[tuple[int, str, str, object]] = [
        *((n, "health_rank = %s", by_name, rank) for n, rank in _HEALTH_LIST.items()),
        *((n, "circle = %s", most_overdue, circle) for n, circle in _CIRCLE_LIST.items()),
        (_ATTENTION_LIST, "overdue_score > %s AND NOT reminders_paused", most_overdue, 0),
    ]
    parts, outer = [], []
    for number, where, order, value in lists:
        parts.append(
            f"SELECT * FROM (SELECT %s AS list, {columns}, {_NULL_INT} AS n, {_NULL_INT} AS met, "
            f"{_NULL_INT} AS overdue "
            f"FROM people WHERE {where} ORDER BY {order} LIMIT %s) AS list_{number}"
        )
        outer += [number, value, LIST_CAP]
    # A NULL in a subquery is typed text on PostgreSQL, so every NULL says its type.
    parts.append(
        f"SELECT %s, {_NULL_INT}, CAST(NULL AS TEXT), circle, CAST(NULL AS TEXT), CAST(NULL AS BOOLEAN), "
        f"health_rank, {_NULL_INT}, {_NULL_INT}, CAST(NULL AS DOUBLE PRECISION), COUNT(*), "
        "SUM(CASE WHEN clock_elapsed <= clock_cadence THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN overdue_score > 0 AND NOT reminders_paused THEN 1 ELSE 0 END) "
        "FROM people GROUP BY circle, health_rank"
    )
    outer.append(_COUNTS)
    sql = f"WITH people AS MATERIALIZED ({inner}) " + " UNION ALL ".join(parts)
    return sql, (*params, *outer)


def _people_annotated(user: User, purpose: str, today: dt.date) -> QuerySet[Contact]:
    """The dashboard's people with their clock of `purpose` and their health (contacts.queries). Built
    only when the statement is compiled: the expressions take longer to build than the query to run."""
    return contacts_annotate_health(
        contacts_annotate_clock(dashboard_people(user, purpose), user, purpose, today), user, today
    )


def _by_name(person: Person) -> tuple[str, int]:
    return person.display_name.lower(), person.pk


def _most_overdue(person: Person) -> tuple[float, str, int]:
    return -person.overdue_score, person.display_name.lower(), person.pk


def _people_read(rows: list[dict[str, Any]]) -> PeopleOverview:
    """The people statement's rows put in their lists, and its count rows added up."""
    buckets = {rank: HealthBucket(health) for health, rank in HEALTH_RANK.items()}
    circles = {circle: CircleRow(circle) for circle in Circle.values}
    attention: list[Attention] = []
    attention_total = 0
    for row in rows:
        number = row["list"]
        if number == _COUNTS:
            buckets[row["health_rank"]].count += row["n"]
            circles[row["circle"]].count += row["n"]
            circles[row["circle"]].met += row["met"]
            attention_total += row["overdue"]
            continue
        contact = Person.from_row(row)
        if number in _HEALTH_LIST:
            buckets[_HEALTH_LIST[number]].people.append(contact)
        elif number in _CIRCLE_LIST:
            circles[_CIRCLE_LIST[number]].people.append(contact)
        else:
            attention.append(
                Attention(contact, contact.overdue_score, contact.clock_elapsed, contact.clock_cadence)
            )

    # UNION ALL keeps each list's order on both databases, but nothing promises it: sort again (20 rows).
    for bucket in buckets.values():
        bucket.people.sort(key=_by_name)
    for circle in circles.values():
        circle.people.sort(key=_most_overdue)
    attention.sort(key=lambda a: _most_overdue(a.contact))
    return PeopleOverview(
        attention=attention,
        attention_total=attention_total,
        health=[buckets[rank] for rank in sorted(buckets)],
        circles=[circles[circle] for circle in Circle.values],
    )


def _attention_add_followups(user: User, purpose: str, attention: list[Attention]) -> None:
    """Give each person needing attention their open follow-up of `purpose` to snooze, the one due first."""
    followups: dict[int, FollowUp] = {}
    if attention:
        for followup in FollowUp.objects.filter(
            owner=user,
            purpose=purpose,
            state__in=OPEN_STATES,
            contact_id__in=[a.contact.pk for a in attention],
        ).order_by("due_on", "pk"):
            followups.setdefault(followup.contact_id, followup)
    for item in attention:
        item.followup = followups.get(item.contact.pk)


def people_overview(user: User, purpose: str, today: dt.date) -> PeopleOverview:
    """Who needs attention, health and circles, from one read of the dashboard's people.

    - Attention: people whose clock of `purpose` is overdue, most overdue first by the policy's overdue
      score (computed in SQL), at most LIST_CAP, each with its open follow-up of that purpose to snooze.
      Paused contacts asked for no reminders and are left out.
    - Health: how many are recent, fading and lapsed (the contact's health, the worse clock for `both`, as
      the contacts list filters it), the first LIST_CAP of each by name, and links to the filtered list.
    - Circles: how many are in each circle, how many are within their cadence of `purpose` (elapsed <=
      cadence), and who, most overdue first, at most LIST_CAP.

    1. One statement (_people_statement) returns the counts and every capped list (_people_read).
    2. One query finds the open follow-ups of the people needing attention (_attention_add_followups).
    """
    key = _statement_key("people", user, purpose, today)
    rows = _statement_rows(key, lambda: _people_statement(_people_annotated(user, purpose, today)))
    overview = _people_read(rows)
    _attention_add_followups(user, purpose, overview.attention)
    for bucket in overview.health:
        bucket.links = [
            (Intention(intention).label, contacts_list_url(health=bucket.health.value, intention=intention))
            for intention in dashboard_intentions(purpose)
        ]
    return overview


# Events: lasting relationships and people never followed up ------------------------------------------------


@dataclass
class EventOutcome:
    event_id: int
    name: str
    start_date: dt.date
    met: int = 0
    lasting: int = 0
    never_followed_up: int = 0

    @property
    def url(self) -> str:
        return url_with_id("event_detail", self.event_id)


def _events_statement(user: User, purpose: str, today: dt.date) -> Statement:
    """The grouped statement events_outcomes runs: per event, the people met there with a `met`
    interaction of `purpose`, those of them who became lasting and those who were followed up. Built only
    when the statement is compiled (see _statement_rows)."""
    met_at = F("participations__interaction__occurred_at")
    followed_up = Q(**{f"last_{purpose}_at__gt": met_at})
    lasting = Q(**{f"previous_{purpose}_at__gt": met_at}, clock_rank__lt=HEALTH_RANK[Health.LAPSED])
    event = "participations__interaction__event"
    meetings = contacts_annotate_clock(
        Contact.objects.filter(
            owner=user,
            archived_at__isnull=True,
            participations__owner=user,
            participations__interaction__owner=user,
            participations__interaction__kind=Kind.MET,
            participations__interaction__purpose=purpose,
            participations__interaction__event__isnull=False,
        ),
        user,
        purpose,
        today,
    )
    return (
        meetings.values(event_id=F(f"{event}_id"), name=F(f"{event}__name"), start=F(f"{event}__start_date"))
        .annotate(
            met=Count("pk", distinct=True),
            lasting=Count("pk", distinct=True, filter=lasting),
            followed_up=Count("pk", distinct=True, filter=followed_up),
        )
        .order_by()
        .query.sql_with_params()
    )


def events_outcomes(
    user: User, purpose: str, today: dt.date
) -> tuple[list[EventOutcome], list[EventOutcome]]:
    """Events that led to lasting relationships of `purpose` (policy.is_lasting), most first; and events
    whose people met there (with a `met` interaction of that purpose) were never followed up with an
    interaction of that purpose, newest first. At most EVENTS_CAP of each.

    One grouped query over the meetings at events (the partial index interaction_met_at_event), from each
    contact's timeline summary and clock:
    - followed up: the contact's latest interaction of the purpose came after the meeting;
    - lasting (policy.is_lasting): at least two interactions of the purpose came after the meeting (the
      one before the latest did) and the last is within twice the cadence of today, which is the clock of
      that purpose not having lapsed (contacts_annotate_clock, proven equal to the policy);
    - per event, how many people were met, how many became lasting (through any of their meetings there)
      and how many were never followed up (through none of them).
    """
    key = _statement_key("events", user, purpose, today)
    rows = _statement_rows(key, lambda: _events_statement(user, purpose, today))
    events = [
        EventOutcome(
            r["event_id"], r["name"], r["start"], r["met"], r["lasting"], r["met"] - r["followed_up"]
        )
        for r in rows
    ]
    lasting_events = sorted(
        (e for e in events if e.lasting), key=lambda e: (-e.lasting, -e.start_date.toordinal(), e.name)
    )
    unfollowed = sorted(
        (e for e in events if e.never_followed_up), key=lambda e: (-e.start_date.toordinal(), e.name)
    )
    return lasting_events[:EVENTS_CAP], unfollowed[:EVENTS_CAP]


# Drift ------------------------------------------------------------------------------------------------------


@dataclass
class Drift:
    contact: Person
    purposes: list[str]

    @property
    def intention_url(self) -> str:
        return url_with_id("contact_relationship", self.contact.pk)

    @property
    def log_url(self) -> str:
        return url_with_id("dashboard_log", self.contact.pk)

    @property
    def other(self) -> str:
        """The purpose the recent interactions had instead: the intention to offer."""
        return purpose_other(self.contact.intention)


def drift_find(user: User, purpose: str) -> tuple[list[Drift], int]:
    """Contacts of intention `purpose` (never `both`) that drift (policy.is_drifting): at least 3
    interactions, none of the intention's purpose among the last 5. At most LIST_CAP by name, and how many.

    One query reads the candidates with the purposes of their latest interactions (the timeline summary):
    a drifting contact's latest interaction is not of its purpose, which the denormalised dates tell. The
    policy decides.
    """
    last = f"last_{purpose}_at"
    candidates = (
        Contact.objects.filter(
            owner=user, archived_at__isnull=True, intention=purpose, last_interaction_at__isnull=False
        )
        .filter(Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__lt": F("last_interaction_at")}))
        .values_list("pk", "display_name", "circle", "recent_purposes")
    )
    drifting = sorted(
        (name.lower(), pk, name, circle, recent.split(","))
        for pk, name, circle, recent in candidates
        if policy.is_drifting(purpose, recent.split(",") if recent else [])
    )
    shown = [
        Drift(Person(pk=pk, display_name=name, circle=circle, intention=purpose), purposes)
        for _, pk, name, circle, purposes in drifting[:LIST_CAP]
    ]
    return shown, len(drifting)
