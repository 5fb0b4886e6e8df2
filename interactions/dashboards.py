"""The Friendships and Network dashboards and the Balance view: read-only queries and aggregation.

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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from accounts.pages import url_with_id
from contacts import policy
from contacts.models import Contact, Tag
from contacts.policy import CadenceTable, Health
from contacts.queries import HEALTH_RANK, contacts_annotate_clock, contacts_annotate_health
from interactions.actions import interaction_log
from interactions.models import OPEN_STATES, FollowUp, FollowUpState, Interaction, Kind, Participation

# Lists of people are capped (PRODUCT.md, "Screens"); the rest is a link to the filtered contacts list.
LIST_CAP = 20
EVENTS_CAP = 10
MONTHS = 12
TITLES = {Purpose.PERSONAL: "Friendships", Purpose.PROFESSIONAL: "Network"}
_RANK_HEALTH = {rank: health for health, rank in HEALTH_RANK.items()}


def dashboard_intentions(purpose: str) -> list[str]:
    """The intentions a dashboard looks at: its own purpose and `both`."""
    return [purpose, Intention.BOTH]


def _contacts_list_url(**params: str) -> str:
    return reverse("contact_list") + "?" + urlencode(params)


def _people(user: User, purpose: str) -> QuerySet[Contact]:
    """The dashboard's people: active contacts whose intention keeps a clock of `purpose`."""
    return Contact.objects.filter(
        owner=user, archived_at__isnull=True, intention__in=dashboard_intentions(purpose)
    )


# Compiled statements: the clock and health in SQL are large expression trees, and compiling them costs more
# than running them (tens of milliseconds a dashboard). Their SQL depends only on what the key holds (the
# user, purpose, local date, time zone and cadence defaults), so each process keeps the compiled statement
# for a while and runs it again with its parameters.
_COMPILED: dict[tuple[object, ...], tuple[str, tuple[object, ...]]] = {}
_COMPILED_MAX = 512


def _table_key(table: CadenceTable) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    return tuple((purpose, tuple(sorted(days.items()))) for purpose, days in sorted(table.items()))


def _statement_rows(
    key: tuple[object, ...], build: Callable[[], tuple[str, tuple[object, ...]]]
) -> list[dict[str, Any]]:
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


# Headline numbers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    people: int
    last_30: int
    last_90: int
    due: int
    overdue: int


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


def headline_numbers(
    user: User,
    purpose: str,
    today: dt.date,
    now: dt.datetime,
    *,
    people: int | None = None,
    counts: InteractionCounts | None = None,
) -> Headline:
    """People, interactions of the purpose in the last 30 and 90 days, follow-ups due today and overdue.
    The dashboard passes what it has already counted for its other sections (`people`, `counts`)."""
    if people is None:
        people = _people(user, purpose).count()
    if counts is None:
        counts = interaction_counts(user, today, now, months=1)
    due, overdue = followups_due_counts(user, purpose, today)
    return Headline(people, counts.last_30[purpose], counts.last_90[purpose], due, overdue)


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
        return _contacts_list_url(circle=self.circle, sort="due")


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


def _people_statement(people: QuerySet[Contact]) -> tuple[str, tuple[object, ...]]:
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
        contacts_annotate_clock(_people(user, purpose), user, purpose, today), user, today
    )


def _by_name(person: Person) -> tuple[str, int]:
    return person.display_name.lower(), person.pk


def _most_overdue(person: Person) -> tuple[float, str, int]:
    return -person.overdue_score, person.display_name.lower(), person.pk


def people_overview(user: User, purpose: str, today: dt.date) -> PeopleOverview:
    """Who needs attention, health and circles, from one read of the dashboard's people.

    - Attention: people whose clock of `purpose` is overdue, most overdue first by the policy's overdue
      score (computed in SQL), at most LIST_CAP, each with its open follow-up of that purpose to snooze.
      Paused contacts asked for no reminders and are left out.
    - Health: how many are recent, fading and lapsed (the contact's health, the worse clock for `both`, as
      the contacts list filters it), the first LIST_CAP of each by name, and links to the filtered list.
    - Circles: how many are in each circle, how many are within their cadence of `purpose` (elapsed <=
      cadence), and who, most overdue first, at most LIST_CAP.

    1. One statement (_people_statement) returns the counts and every capped list.
    2. One query finds the open follow-ups of the people needing attention.
    """
    buckets = {rank: HealthBucket(health) for health, rank in HEALTH_RANK.items()}
    circles = {circle: CircleRow(circle) for circle in Circle.values}
    attention: list[Attention] = []
    attention_total = 0
    key = ("people", user.pk, purpose, today, user.time_zone, _table_key(user.cadence_table()))
    for row in _statement_rows(key, lambda: _people_statement(_people_annotated(user, purpose, today))):
        number = row["list"]
        if number == _COUNTS:
            buckets[row["health_rank"]].count += row["n"]
            circles[row["circle"]].count += row["n"]
            circles[row["circle"]].met += row["met"]
            attention_total += row["overdue"]
            continue
        contact = Person(
            pk=row["pk"],
            display_name=row["display_name"],
            circle=row["circle"],
            intention=row["intention"],
            reminders_paused=bool(row["reminders_paused"]),
            clock_elapsed=row["clock_elapsed"],
            clock_cadence=row["clock_cadence"],
            overdue_score=float(row["overdue_score"]),
        )
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
    for bucket in buckets.values():
        bucket.links = [
            (Intention(intention).label, _contacts_list_url(health=bucket.health.value, intention=intention))
            for intention in dashboard_intentions(purpose)
        ]
    return PeopleOverview(
        attention=attention,
        attention_total=attention_total,
        health=[buckets[rank] for rank in sorted(buckets)],
        circles=[circles[circle] for circle in Circle.values],
    )


# Interactions per month -------------------------------------------------------------------------------------


class PurposeSplit:
    """Counts of personal and professional interactions, with their shares as whole percentages."""

    personal: int
    professional: int

    @property
    def total(self) -> int:
        return self.personal + self.professional

    @property
    def personal_share(self) -> int:
        """Personal interactions as a whole percentage of the total (0 when there are none)."""
        return round(100 * self.personal / self.total) if self.total else 0

    @property
    def professional_share(self) -> int:
        return 100 - self.personal_share if self.total else 0


@dataclass(frozen=True)
class MonthCount(PurposeSplit):
    month: dt.date
    personal: int
    professional: int


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class InteractionCounts:
    """Interactions per month and purpose, and per purpose in the last 30 and 90 days."""

    months: list[MonthCount]
    last_30: dict[str, int]
    last_90: dict[str, int]


def interaction_counts(
    user: User, today: dt.date, now: dt.datetime | None = None, months: int = MONTHS
) -> InteractionCounts:
    """Interactions per local calendar month and purpose for the last `months` months up to this one and,
    when `now` is given, per purpose in the 30 and 90 days up to it: one grouped statement over an index
    range of interaction_owner_when (owner, occurred_at, purpose), read without touching the table.

    Rows are put in months by comparing occurred_at with the instants the local months begin, worked out
    here, rather than by converting every row's time to the local zone in SQL (half the time)."""
    zone = user.zone
    starts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    bounds = [dt.datetime.combine(m, dt.time(0), tzinfo=zone) for m in [*starts, _month_start(today, -1)]]
    lo, hi = bounds[0], bounds[-1]
    # Written out rather than built with the ORM: its CASE of twelve WHENs took longer to build than the
    # query takes to run. Every value is a parameter.
    whens = " ".join(f"WHEN occurred_at < %s THEN {i}" for i in range(len(starts) - 1))
    month = f"CASE {whens} ELSE {len(starts) - 1} END" if whens else "0"
    month_params: list[dt.datetime] = bounds[1:-1]
    recency, recency_params = "2", []
    if now is not None:
        lo = min(lo, now - dt.timedelta(days=90))
        # 0: the last 30 days, 1: the 60 before them, 2: older or still to come.
        recency = (
            "CASE WHEN occurred_at > %s THEN 2 WHEN occurred_at >= %s THEN 0 "
            "WHEN occurred_at >= %s THEN 1 ELSE 2 END"
        )
        recency_params = [now, now - dt.timedelta(days=30), now - dt.timedelta(days=90)]
    sql = (
        # The month's index, or -1 outside the months shown.
        f"SELECT CASE WHEN occurred_at >= %s AND occurred_at < %s "
        f"THEN {month} ELSE -1 END, {recency}, purpose, COUNT(*) "
        # COUNT(*), not COUNT(id): the index holds no id, and reading one would mean reading the table.
        f"FROM {connection.ops.quote_name(Interaction._meta.db_table)} "
        f"WHERE owner_id = %s AND occurred_at >= %s AND occurred_at < %s GROUP BY 1, 2, 3"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        *map(adapt, [bounds[0], hi, *month_params, *recency_params]),
        user.pk,
        adapt(lo),
        adapt(max(hi, now or hi)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts: dict[tuple[int, str], int] = defaultdict(int)
    last_30: dict[str, int] = dict.fromkeys(Purpose.values, 0)
    last_90: dict[str, int] = dict.fromkeys(Purpose.values, 0)
    for month_index, recent, purpose, n in rows:
        if month_index >= 0:
            counts[(month_index, purpose)] += n
        if recent <= 1:
            last_90[purpose] += n
            if recent == 0:
                last_30[purpose] += n
    return InteractionCounts(
        months=[
            MonthCount(m, counts[(i, Purpose.PERSONAL)], counts[(i, Purpose.PROFESSIONAL)])
            for i, m in enumerate(starts)
        ],
        last_30=last_30,
        last_90=last_90,
    )


def interactions_per_month(user: User, today: dt.date, months: int = MONTHS) -> list[MonthCount]:
    """Interactions per local calendar month and purpose, for the last `months` months up to this one."""
    return interaction_counts(user, today, months=months).months


@dataclass(frozen=True)
class Bar:
    purpose: str
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass
class Chart:
    """A grouped bar chart drawn by the server as SVG: one pair of bars (personal, professional) a month.
    Geometry is in the viewBox's units; the template only places what is computed here."""

    months: list[MonthCount]
    width: int = 720
    height: int = 240
    left: int = 40
    bottom: int = 28
    top: int = 12
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def baseline(self) -> float:
        return self.height - self.bottom

    @property
    def summary(self) -> str:
        personal = sum(m.personal for m in self.months)
        professional = sum(m.professional for m in self.months)
        return (
            f"Interactions per month over the last {len(self.months)} months: "
            f"{personal} personal and {professional} professional. The table below has each month."
        )


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 4), so the axis has round ticks."""
    value = max(value, 4)
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def chart_build(months: list[MonthCount]) -> Chart:
    chart = Chart(months)
    top = _nice_ceiling(max((max(m.personal, m.professional) for m in months), default=0))
    plot_height = chart.baseline - chart.top
    slot = (chart.width - chart.left - 8) / max(len(months), 1)
    bar_width = slot * 0.36
    for i, month in enumerate(months):
        x0 = chart.left + i * slot + slot * 0.12
        label = month.month.strftime("%b %Y")
        for j, (purpose, value) in enumerate(
            [(Purpose.PERSONAL, month.personal), (Purpose.PROFESSIONAL, month.professional)]
        ):
            height = plot_height * value / top
            chart.bars.append(
                Bar(
                    purpose,
                    round(x0 + j * bar_width, 1),
                    round(chart.baseline - height, 1),
                    round(bar_width - 1, 1),
                    round(height, 1),
                    value,
                    f"{label}: {value} {Purpose(purpose).label.lower()}",
                )
            )
        chart.labels.append((round(chart.left + i * slot + slot / 2, 1), month.month.strftime("%b")))
    # 1, 5 x 10^n split into fifths and 2 x 10^n into quarters give whole-number ticks.
    intervals = 4 if str(top).startswith("2") else 5
    for k in range(intervals + 1):
        value = top * k // intervals
        chart.ticks.append((round(chart.baseline - plot_height * value / top, 1), value))
    return chart


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
    met_at = F("participations__interaction__occurred_at")
    followed_up = Q(**{f"last_{purpose}_at__gt": met_at})
    lasting = Q(**{f"previous_{purpose}_at__gt": met_at}, clock_rank__lt=HEALTH_RANK[Health.LAPSED])
    event = "participations__interaction__event"

    def meetings() -> QuerySet[Contact]:
        # Built only when the statement is compiled (see _statement_rows).
        return contacts_annotate_clock(
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

    key = ("events", user.pk, purpose, today, user.time_zone, _table_key(user.cadence_table()))
    rows = _statement_rows(
        key,
        lambda: (
            meetings()
            .values(event_id=F(f"{event}_id"), name=F(f"{event}__name"), start=F(f"{event}__start_date"))
            .annotate(
                met=Count("pk", distinct=True),
                lasting=Count("pk", distinct=True, filter=lasting),
                followed_up=Count("pk", distinct=True, filter=followed_up),
            )
            .order_by()
            .query.sql_with_params()
        ),
    )
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
        return Purpose.PROFESSIONAL if self.contact.intention == Purpose.PERSONAL else Purpose.PERSONAL


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


# The one-click log ------------------------------------------------------------------------------------------


def dashboard_log_touch(user: User, contact: Contact, purpose: str, *, now: dt.datetime) -> Interaction:
    """A dashboard's one-click "log": an interaction of `purpose` with the contact at `now`, in the setting
    that purpose goes with, through interaction_log (which resets the clock and re-plans follow-ups)."""
    setting = Setting.INFORMAL if purpose == Purpose.PERSONAL else Setting.FORMAL
    return interaction_log(
        user,
        [contact],
        occurred_at=now,
        kind=Kind.OTHER,
        purpose=purpose,
        setting=setting,
        notes=f"Logged from the {TITLES[purpose]} dashboard.",
    )


# The dashboard and the balance ------------------------------------------------------------------------------


@dataclass
class Dashboard:
    purpose: str
    headline: Headline
    attention: list[Attention]
    attention_total: int
    health: list[HealthBucket]
    chart: Chart
    lasting_events: list[EventOutcome]
    unfollowed_events: list[EventOutcome]
    drift: list[Drift]
    drift_total: int
    circles: list[CircleRow]

    @property
    def title(self) -> str:
        return TITLES[self.purpose]

    @property
    def other_purpose(self) -> str:
        return Purpose.PROFESSIONAL if self.purpose == Purpose.PERSONAL else Purpose.PERSONAL

    @property
    def is_empty(self) -> bool:
        return not self.headline.people and not self.chart.total

    @property
    def attention_url(self) -> str:
        return _contacts_list_url(intention=self.purpose, sort="due")


def dashboard_build(user: User, purpose: str, today: dt.date, now: dt.datetime) -> Dashboard:
    """Everything one dashboard shows, for `user` on their local date `today` at `now`."""
    people = people_overview(user, purpose, today)
    counts = interaction_counts(user, today, now)
    lasting, unfollowed = events_outcomes(user, purpose, today)
    drift, drift_total = drift_find(user, purpose)
    return Dashboard(
        purpose=purpose,
        headline=headline_numbers(
            user, purpose, today, now, people=sum(b.count for b in people.health), counts=counts
        ),
        attention=people.attention,
        attention_total=people.attention_total,
        health=people.health,
        chart=chart_build(counts.months),
        lasting_events=lasting,
        unfollowed_events=unfollowed,
        drift=drift,
        drift_total=drift_total,
        circles=people.circles,
    )


@dataclass(frozen=True)
class TagBalance(PurposeSplit):
    tag: Tag
    personal: int
    professional: int


@dataclass
class Balance:
    months: list[MonthCount]
    chart: Chart
    tags: list[TagBalance]

    @property
    def personal(self) -> int:
        return sum(m.personal for m in self.months)

    @property
    def professional(self) -> int:
        return sum(m.professional for m in self.months)

    @property
    def personal_share(self) -> int:
        total = self.personal + self.professional
        return round(100 * self.personal / total) if total else 0

    @property
    def professional_share(self) -> int:
        return 100 - self.personal_share if (self.personal + self.professional) else 0


def balance_build(user: User, today: dt.date) -> Balance:
    """The split of interactions between personal and professional over the last 12 months: per month, and
    per tag of the people taking part (an interaction counts once per tag)."""
    months = interactions_per_month(user, today)
    zone = user.zone
    start = dt.datetime.combine(months[0].month, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(_month_start(today, -1), dt.time(0), tzinfo=zone)
    # The year's participations (participation_owner_when, read from the index alone on PostgreSQL) joined
    # to their people's tags: one row per interaction and tag (an interaction with two people of one tag
    # counts once for it), then counted. Written out because the ORM's path from a participation to its
    # people's tags joins every contact on the way; this reads only the user's tags' rows.
    tags = {tag.pk: tag for tag in Tag.objects.filter(owner=user)}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if tags:
        quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
        participation, tagging = Participation._meta.db_table, Contact.tags.through._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tag_id, purpose, COUNT(*) FROM ("
                f"SELECT DISTINCT t.tag_id, p.purpose, p.interaction_id FROM {quote(participation)} p "
                f"JOIN {quote(tagging)} t ON t.contact_id = p.contact_id "
                f"WHERE p.owner_id = %s AND p.occurred_at >= %s AND p.occurred_at < %s "
                f"AND t.tag_id IN ({', '.join(['%s'] * len(tags))})"
                f") AS tagged GROUP BY tag_id, purpose",
                [user.pk, adapt(start), adapt(end), *tags],
            )
            for tag_id, purpose, n in cursor.fetchall():
                counts[tag_id][purpose] = n
    rows = sorted(
        (
            TagBalance(t, counts[t.pk].get(Purpose.PERSONAL, 0), counts[t.pk].get(Purpose.PROFESSIONAL, 0))
            for t in tags.values()
            if t.pk in counts
        ),
        key=lambda t: (-t.total, t.tag.name.lower()),
    )
    return Balance(months, chart_build(months), rows)
