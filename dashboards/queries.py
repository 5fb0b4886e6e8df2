"""The dashboards' SQL: who needs attention, health and circles, follow-ups due, events that led to lasting
relationships, and drift. Interactions per month are counted in dashboards.counts.

Each dashboard is one purpose: Friendships looks at `personal` and `both` contacts and personal interactions,
Network at `professional` and `both` contacts and professional interactions. The rules (health, overdue
score, drift, lasting) are contacts.policy's. Each contact stores its clocks as the dates its health turns
(contacts.clock, written with the rows they are made of), so health, who is overdue and how much are read
from ranges of indexes on those dates; tests/test_dashboards.py and tests/test_clock_state.py check the
result against the policy.

Every query is filtered by owner and the number of queries does not grow with the data: counts are grouped
in SQL, lists are capped in SQL (ORDER BY ... LIMIT), and drift and lasting relationships read each contact's
timeline summary (the purposes of its latest five interactions, its latest two of each purpose: see
interactions.actions.contacts_refresh_last_seen) instead of its timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose
from accounts.models import User
from accounts.pages import url_with_id
from contacts import policy
from contacts.models import Contact
from contacts.policy import HEALTH_RANK, Health
from contacts.queries import HEALTH_BOUNDS
from dashboards.models import EventPerson
from followups.models import OPEN_STATES, FollowUp, FollowUpState
from interactions.models import Event

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


# A statement: its SQL and the parameters cursor.execute runs it with.
type Statement = tuple[str, Sequence[Any]]


def _statement_rows(statement: Statement) -> list[dict[str, Any]]:
    """The rows of a statement, as dicts."""
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _day(value: dt.date | str) -> dt.date:
    """A date column read by a raw cursor: SQLite gives its text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


# Follow-ups due ---------------------------------------------------------------------------------------------


def followups_due_counts(user: User, purpose: str, today: dt.date) -> tuple[int, int]:
    """Open follow-ups of `purpose` due today and overdue, as on the Due page: of active contacts, a snoozed
    one from the end of its snooze.

    Counted from the follow-ups' own indexes (followup_waiting for those scheduled or sent, read without
    the table; followup_snooze_ends for the snoozed), leaving out the few of archived or paused contacts
    (contact_inactive) by id, rather than joining every follow-up to its contact."""
    inactive = Contact.objects.filter(owner=user).filter(
        Q(archived_at__isnull=False) | Q(reminders_paused=True)
    )
    followups = FollowUp.objects.filter(owner=user, purpose=purpose).exclude(
        contact_id__in=inactive.values("pk")
    )
    waiting = followups.filter(
        state__in=[FollowUpState.SCHEDULED, FollowUpState.SENT], due_on__lte=today
    ).aggregate(
        due=Count("due_on", filter=Q(due_on=today)), overdue=Count("due_on", filter=Q(due_on__lt=today))
    )
    snoozed = followups.filter(state=FollowUpState.SNOOZED, snoozed_until__lte=today).aggregate(
        due=Count("pk", filter=Q(snoozed_until=today)), overdue=Count("pk", filter=Q(snoozed_until__lt=today))
    )
    return waiting["due"] + snoozed["due"], waiting["overdue"] + snoozed["overdue"]


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
    def from_row(cls, row: dict[str, Any], today: dt.date) -> Person:
        """A person from a row of the people statement, with the dashboard's clock as the policy reads it
        from the stored dates."""
        clock = policy.ClockDates(row["cadence"], _day(row["due_on"]), _day(row["lapsed_on"]))
        return cls(
            pk=row["id"],
            display_name=row["display_name"],
            circle=row["circle"],
            intention=row["intention"],
            reminders_paused=bool(row["reminders_paused"]),
            clock_elapsed=(today - clock.due_on).days + clock.cadence,
            clock_cadence=clock.cadence,
            overdue_score=clock.overdue_score(today),
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
_CIRCLE_OVERDUE = {len(_HEALTH_LIST) + i: circle for i, circle in enumerate(Circle.values)}
_CIRCLE_BY_NAME = {
    len(_HEALTH_LIST) + len(Circle.values) + i: circle for i, circle in enumerate(Circle.values)
}
_ATTENTION_LIST = len(_HEALTH_LIST) + 2 * len(Circle.values)
_COUNTS = _ATTENTION_LIST + 1


_SQL_COMPARISONS = {"gt": ">", "lte": "<="}


def health_conditions(today: dt.date) -> dict[int, tuple[str, list[Any]]]:
    """Per health rank, contacts.queries.HEALTH_BOUNDS as an SQL condition on a contact's stored dates, and
    its parameters, for the people statement's health lists."""
    day = connection.ops.adapt_datefield_value(today)
    return {
        HEALTH_RANK[health]: (
            " AND ".join(f"{column} {_SQL_COMPARISONS[op]} %s" for column, op in bounds),
            [day] * len(bounds),
        )
        for health, bounds in HEALTH_BOUNDS.items()
    }


def _cadences(user: User, purpose: str) -> dict[str, list[int]]:
    """Per circle, the cadences a clock of `purpose` has there among the dashboard's people: the user's
    default for the circle and the cadences set by hand on its people (one query through
    contact_*_cadence_set, which holds only the contacts with one)."""
    column = f"{purpose}_cadence_days"
    table = user.cadence_table()[purpose]
    cadences = {circle: {table[circle]} for circle in Circle.values}
    chosen = (
        dashboard_people(user, purpose)
        .filter(**{f"{column}__isnull": False})
        .values_list("circle", column)
        .distinct()
        .order_by()
    )
    for circle, days in chosen:
        cadences[circle].add(days)
    return {circle: sorted(days) for circle, days in cadences.items()}


# At most this many SELECTs glued into one statement: SQLite refuses a compound SELECT of more than 500, and
# a user who set many different cadences by hand gets two parts per circle and cadence.
_PARTS_PER_STATEMENT = 100


def _people_statements(user: User, purpose: str, today: dt.date) -> list[Statement]:
    """The statement for everything people_overview shows, glued with UNION ALL (split in a few when there
    are more than _PARTS_PER_STATEMENT parts); the first column says which list a row belongs to. Each part
    is a range of an index over the stored clock state (contacts.clock), so its cost follows what it shows,
    not the number of contacts:
    - each health list: the first LIST_CAP by name (contact_owner_name, or a range of contact_owner_fading /
      contact_owner_lapsed, as the planner finds cheaper);
    - the most overdue of a circle: overdue scores of one cadence rank as their due dates, so per circle
      and cadence the LIST_CAP earliest due dates (contact_<purpose>_clock), merged in Python; the rest
      of the circle by name;
    - who needs attention: the same, without paused contacts;
    - the counts per circle and health from the index alone."""
    table = connection.ops.quote_name(Contact._meta.db_table)
    cadence, due, lapsed = (f"{purpose}_clock_{part}" for part in ("cadence", "due_on", "lapsed_on"))
    day = connection.ops.adapt_datefield_value(today)
    # Literal values, as in the partial index contact_<purpose>_clock: SQLite uses a partial index only
    # when the query's WHERE repeats its condition.
    intentions = ", ".join(f"'{i}'" for i in dashboard_intentions(purpose))
    base = f"owner_id = %s AND archived_at IS NULL AND intention IN ({intentions})"
    person = (
        f"id, display_name, circle, intention, reminders_paused, {cadence} AS cadence, {due} AS due_on, "
        f"{lapsed} AS lapsed_on"
    )
    # A NULL in a union is typed text on PostgreSQL, so every NULL says its type.
    no_counts = "CAST(NULL AS BIGINT) AS n, CAST(NULL AS BIGINT) AS met, CAST(NULL AS BIGINT) AS overdue"
    by_name = "LOWER(display_name), id"
    parts: list[Statement] = []

    def add_list(number: int, where: str, where_params: list[Any], order: str) -> None:
        parts.append(
            (
                f"SELECT * FROM (SELECT %s AS list, {person}, {no_counts}, CAST(NULL AS INTEGER) AS health "
                f"FROM {table} WHERE {base} AND {where} ORDER BY {order} LIMIT %s) AS part_{len(parts)}",
                [number, user.pk, *where_params, LIST_CAP],
            )
        )

    for number, rank in _HEALTH_LIST.items():
        add_list(number, *health_conditions(today)[rank], by_name)
    most_overdue = f"{due}, {by_name}"
    cadences = _cadences(user, purpose)
    for number, circle in _CIRCLE_OVERDUE.items():
        overdue = f"circle = %s AND {cadence} = %s AND {due} < %s"
        for days in cadences[circle]:
            add_list(number, overdue, [circle, days, day], most_overdue)
            add_list(
                _ATTENTION_LIST, f"{overdue} AND NOT reminders_paused", [circle, days, day], most_overdue
            )
    for number, circle in _CIRCLE_BY_NAME.items():
        add_list(number, f"circle = %s AND {due} >= %s", [circle, day], by_name)
    parts.append(_counts_part(f"FROM {table} WHERE {base}", due, day, user, today))
    return [
        (" UNION ALL ".join(sql for sql, _ in chunk), [p for _, ps in chunk for p in ps])
        for chunk in (parts[n : n + _PARTS_PER_STATEMENT] for n in range(0, len(parts), _PARTS_PER_STATEMENT))
    ]


def _counts_part(source: str, due: str, day: object, user: User, today: dt.date) -> Statement:
    """The people statement's counts: per circle and health, how many, and per circle how many are within
    their cadence and how many overdue and not paused (on the first health's row alone, so that adding up the
    rows counts each contact once). The circle's counts come from one pass over the index in its circle
    order, each health counted by its condition (health_conditions, the health lists' own), then set beside
    the healths: grouping by a health expression instead hashed every contact (9 ms at 50,000 contacts,
    against 5)."""
    conditions = health_conditions(today)
    ranks = sorted(conditions)
    per_health = ", ".join(f"COUNT(*) FILTER (WHERE {conditions[r][0]}) AS health_{r}" for r in ranks)
    pick = " ".join(f"WHEN {r} THEN c.health_{r}" for r in ranks)
    first = f"CASE h.health WHEN {ranks[0]} THEN c.%s ELSE 0 END"
    healths = " UNION ALL ".join(f"SELECT {r}" + (" AS health" if r == ranks[0] else "") for r in ranks)
    return (
        "SELECT * FROM (SELECT %s, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), c.circle, CAST(NULL AS TEXT), "
        "CAST(NULL AS BOOLEAN), CAST(NULL AS INTEGER), CAST(NULL AS DATE), CAST(NULL AS DATE), "
        f"CASE h.health {pick} END, {first % 'met'}, {first % 'overdue'}, h.health "
        f"FROM (SELECT circle, COUNT(*) FILTER (WHERE {due} >= %s) AS met, "
        f"COUNT(*) FILTER (WHERE {due} < %s AND NOT reminders_paused) AS overdue, {per_health} "
        f"{source} GROUP BY circle) AS c CROSS JOIN ({healths}) AS h) AS counts",
        [_COUNTS, day, day, *(p for r in ranks for p in conditions[r][1]), user.pk],
    )


def _by_name(person: Person) -> tuple[str, int]:
    return person.display_name.lower(), person.pk


def _most_overdue(person: Person) -> tuple[float, str, int]:
    return -person.overdue_score, person.display_name.lower(), person.pk


def _people_read(rows: list[dict[str, Any]], today: dt.date) -> PeopleOverview:
    """The people statement's rows put in their lists, each list's candidates merged and cut to LIST_CAP,
    and its count rows added up."""
    buckets = {rank: HealthBucket(health) for health, rank in HEALTH_RANK.items()}
    circles = {circle: CircleRow(circle) for circle in Circle.values}
    overdue: dict[str, list[Person]] = {circle: [] for circle in Circle.values}
    by_name: dict[str, list[Person]] = {circle: [] for circle in Circle.values}
    attention_people: list[Person] = []
    attention_total = 0
    for row in rows:
        number = row["list"]
        if number == _COUNTS:
            buckets[row["health"]].count += row["n"]
            circles[row["circle"]].count += row["n"]
            circles[row["circle"]].met += row["met"]
            attention_total += row["overdue"]
            continue
        person = Person.from_row(row, today)
        if number in _HEALTH_LIST:
            buckets[_HEALTH_LIST[number]].people.append(person)
        elif number in _CIRCLE_OVERDUE:
            overdue[_CIRCLE_OVERDUE[number]].append(person)
        elif number in _CIRCLE_BY_NAME:
            by_name[_CIRCLE_BY_NAME[number]].append(person)
        else:
            attention_people.append(person)

    for bucket in buckets.values():
        bucket.people.sort(key=_by_name)
    for circle, circle_row in circles.items():
        circle_row.people = (
            sorted(overdue[circle], key=_most_overdue) + sorted(by_name[circle], key=_by_name)
        )[:LIST_CAP]
    attention = [
        Attention(person, person.overdue_score, person.clock_elapsed, person.clock_cadence)
        for person in sorted(attention_people, key=_most_overdue)[:LIST_CAP]
    ]
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
    """Who needs attention, health and circles, from the stored clock state of the dashboard's people
    (contacts.clock; the policy's rules, as tests/test_dashboards.py checks).

    - Attention: people whose clock of `purpose` is overdue, most overdue first by the policy's overdue
      score, at most LIST_CAP, each with its open follow-up of that purpose to snooze. Paused contacts
      asked for no reminders and are left out.
    - Health: how many are recent, fading and lapsed (the contact's health, the worse clock for `both`, as
      the contacts list filters it), the first LIST_CAP of each by name, and links to the filtered list.
    - Circles: how many are in each circle, how many are within their cadence of `purpose` (elapsed <=
      cadence), and who, most overdue first, at most LIST_CAP.

    1. One query finds the cadences set by hand (_cadences).
    2. One statement returns the counts and every capped list's candidates (_people_statements,
       _people_read); a few when many cadences were set by hand.
    3. One query finds the open follow-ups of the people needing attention (_attention_add_followups).
    """
    rows = [
        row for statement in _people_statements(user, purpose, today) for row in _statement_rows(statement)
    ]
    overview = _people_read(rows, today)
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
    interaction of `purpose`, those of them who became lasting and those who were followed up, read from the
    index event_person_outcomes of EventPerson (dashboards.event_people keeps it), which holds one entry per
    person met at an event. Lasting also asks that the purpose's clock has not lapsed today. The event's name
    and date are looked up for the grouped rows only."""
    quote = connection.ops.quote_name
    people, event = quote(EventPerson._meta.db_table), quote(Event._meta.db_table)
    sql = (
        f"SELECT g.event_id AS event_id, (SELECT e.name FROM {event} e WHERE e.id = g.event_id) AS name, "
        f"(SELECT e.start_date FROM {event} e WHERE e.id = g.event_id) AS start, g.met, g.lasting, "
        "g.followed_up FROM (SELECT event_id, COUNT(*) AS met, "
        "SUM(CASE WHEN lasting AND lapsed_on > %s THEN 1 ELSE 0 END) AS lasting, "
        "SUM(CASE WHEN followed_up THEN 1 ELSE 0 END) AS followed_up "
        f"FROM {people} WHERE owner_id = %s AND purpose = %s AND active = %s GROUP BY event_id) g"
    )
    return sql, [connection.ops.adapt_datefield_value(today), user.pk, purpose, True]


def events_outcomes(
    user: User, purpose: str, today: dt.date
) -> tuple[list[EventOutcome], list[EventOutcome]]:
    """Events that led to lasting relationships of `purpose` (policy.is_lasting), most first; and events
    whose people met there (with a `met` interaction of that purpose) were never followed up with an
    interaction of that purpose, newest first. At most EVENTS_CAP of each.

    One grouped query over the people met at events (EventPerson, worked out from each contact's meetings,
    timeline summary and clock):
    - followed up: the contact's latest interaction of the purpose came after the meeting;
    - lasting (policy.is_lasting): at least two interactions of the purpose came after the meeting (the
      one before the latest did) and the last is within twice the cadence of today, which is the clock of
      that purpose not having lapsed (the contact's stored clock, contacts.clock);
    - per event, how many people were met, how many became lasting (through any of their meetings there)
      and how many were never followed up (through none of them).
    """
    rows = _statement_rows(_events_statement(user, purpose, today))
    events = [
        EventOutcome(
            r["event_id"], r["name"], _day(r["start"]), r["met"], r["lasting"], r["met"] - r["followed_up"]
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

    Each contact stores whether it drifts (contacts.clock, from its timeline summary), so both are read
    from the partial index contact_drifting: the first LIST_CAP by name, and the count.
    """
    drifting = Contact.objects.filter(owner=user, archived_at__isnull=True, intention=purpose, drifting=True)
    first = drifting.order_by(Lower("display_name"), "pk").values_list(
        "pk", "display_name", "circle", "recent_purposes"
    )[:LIST_CAP]
    shown = [
        Drift(Person(pk=pk, display_name=name, circle=circle, intention=purpose), recent.split(","))
        for pk, name, circle, recent in sorted(first, key=lambda row: (row[1].lower(), row[0]))
    ]
    return shown, drifting.count()
