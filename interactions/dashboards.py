"""The Friendships and Network dashboards and the Balance view: read-only queries and aggregation.

Each dashboard is one purpose: Friendships looks at `personal` and `both` contacts and personal interactions,
Network at `professional` and `both` contacts and professional interactions. The rules (health, overdue
score, drift, lasting) are contacts.policy's; where a number is computed in SQL for speed
(`contacts.queries.contacts_annotate_clock`, `contacts_annotate_health`), tests/test_dashboards.py proves SQL
and policy agree.

Every query is filtered by owner and the number of queries does not grow with the data: counts are grouped
in SQL, lists are capped in SQL (LIMIT, or ROW_NUMBER() per group), drift reads at most the last five
interactions of the few contacts whose latest interaction is not of their intention, and lasting
relationships count later interactions only for people who were followed up at all.
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
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lower, RowNumber, TruncMonth
from django.urls import reverse

from accounts.choices import Circle, Intention, Purpose, Setting
from accounts.models import User
from contacts import policy
from contacts.models import Contact, Tag
from contacts.policy import CadenceTable, ContactFacts, Health
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


def _rows(key: tuple[object, ...], build: Callable[[], QuerySet[Any]]) -> list[dict[str, Any]]:
    """The rows of the values() query `build` makes, as dicts, compiling it only when `key` is new."""
    key = (connection.vendor, *key)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        sql, params = build().query.sql_with_params()
        compiled = _COMPILED[key] = (sql, tuple(params))
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


def headline_numbers(user: User, purpose: str, today: dt.date, now: dt.datetime) -> Headline:
    """People, interactions of the purpose in the last 30 and 90 days, follow-ups due today and overdue
    (as on the Due page: open follow-ups of active contacts, a snoozed one from the end of its snooze)."""
    people = _people(user, purpose).count()
    counts = Interaction.objects.filter(
        owner=user, purpose=purpose, occurred_at__gte=now - dt.timedelta(days=90), occurred_at__lte=now
    ).aggregate(
        last_90=Count("pk"), last_30=Count("pk", filter=Q(occurred_at__gte=now - dt.timedelta(days=30)))
    )
    waiting = [FollowUpState.SCHEDULED, FollowUpState.SENT]
    followups = (
        # contact__owner is implied, and lets the planner read the contacts through the owner's index.
        FollowUp.objects.filter(owner=user, contact__owner=user, purpose=purpose, state__in=OPEN_STATES)
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
    return Headline(people, counts["last_30"], counts["last_90"], followups["due"], followups["overdue"])


# People: who needs attention, health and circles ------------------------------------------------------------


@dataclass
class Attention:
    contact: Contact
    score: float
    elapsed: int
    cadence: int
    followup: FollowUp | None = None


@dataclass
class HealthBucket:
    health: Health
    count: int = 0
    people: list[Contact] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.people)


@dataclass
class CircleRow:
    circle: str
    count: int = 0
    met: int = 0
    people: list[Contact] = field(default_factory=list)

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


def people_overview(user: User, purpose: str, today: dt.date) -> PeopleOverview:
    """Who needs attention, health and circles, from two reads of the dashboard's people.

    - Attention: people whose clock of `purpose` is overdue, most overdue first by the policy's overdue
      score (computed in SQL), at most LIST_CAP, each with its open follow-up of that purpose to snooze.
      Paused contacts asked for no reminders and are left out.
    - Health: how many are recent, fading and lapsed (the contact's health, the worse clock for `both`, as
      the contacts list filters it), the first LIST_CAP of each by name, and links to the filtered list.
    - Circles: how many are in each circle, how many are within their cadence of `purpose` (elapsed <=
      cadence), and who, most overdue first, at most LIST_CAP.

    1. One grouped query counts by circle and health, with filtered counts for "within cadence" and
       "overdue".
    2. One query reads the capped lists: three ROW_NUMBER()s (per health, per circle, and by overdue score)
       and keeps a row that is in any of the three lists.
    3. One query finds the open follow-ups of the people needing attention.
    """
    people = contacts_annotate_health(
        contacts_annotate_clock(_people(user, purpose), user, purpose, today), user, today
    )
    needs_attention = Q(overdue_score__gt=0, reminders_paused=False)
    buckets = {rank: HealthBucket(health) for health, rank in HEALTH_RANK.items()}
    circles = {circle: CircleRow(circle) for circle in Circle.values}
    attention_total = 0
    key = (user.pk, purpose, today, user.time_zone, _table_key(user.cadence_table()))
    counts = _rows(
        ("people-counts", *key),
        lambda: (
            people.values("circle", "health_rank")
            .annotate(
                n=Count("pk"),
                met=Count("pk", filter=Q(clock_elapsed__lte=F("clock_cadence"))),
                overdue=Count("pk", filter=needs_attention),
            )
            .order_by()
        ),
    )
    for row in counts:
        buckets[row["health_rank"]].count += row["n"]
        circles[row["circle"]].count += row["n"]
        circles[row["circle"]].met += row["met"]
        attention_total += row["overdue"]

    by_name = [Lower("display_name"), F("pk")]
    most_overdue = [F("overdue_score").desc(), *by_name]
    listed = _rows(
        ("people-lists", *key),
        lambda: (
            people.annotate(
                health_row=Window(RowNumber(), partition_by=[F("health_rank")], order_by=by_name),
                circle_row=Window(RowNumber(), partition_by=[F("circle")], order_by=most_overdue),
                attention_row=Window(
                    RowNumber(),
                    partition_by=[Case(When(needs_attention, then=Value(1)), default=Value(0))],
                    order_by=most_overdue,
                ),
            )
            .filter(
                Q(health_row__lte=LIST_CAP) | Q(circle_row__lte=LIST_CAP) | Q(attention_row__lte=LIST_CAP)
            )
            .values(
                "pk",
                "display_name",
                "circle",
                "intention",
                "reminders_paused",
                "health_rank",
                "clock_elapsed",
                "clock_cadence",
                "overdue_score",
                "health_row",
                "circle_row",
                "attention_row",
            )
        ),
    )
    attention: list[Attention] = []
    for row in sorted(listed, key=lambda r: (r["display_name"].lower(), r["pk"])):
        contact = Contact(
            pk=row["pk"],
            owner=user,
            display_name=row["display_name"],
            circle=row["circle"],
            intention=row["intention"],
            reminders_paused=bool(row["reminders_paused"]),
        )
        contact.clock_elapsed, contact.clock_cadence = row["clock_elapsed"], row["clock_cadence"]
        contact.overdue_score = float(row["overdue_score"])
        if row["health_row"] <= LIST_CAP:
            buckets[row["health_rank"]].people.append(contact)
        if row["circle_row"] <= LIST_CAP:
            circles[contact.circle].people.append(contact)
        if row["attention_row"] <= LIST_CAP and contact.overdue_score > 0 and not contact.reminders_paused:
            attention.append(
                Attention(contact, contact.overdue_score, contact.clock_elapsed, contact.clock_cadence)
            )
    for circle in circles.values():
        circle.people.sort(key=lambda c: (-c.overdue_score, c.display_name.lower(), c.pk))
    attention.sort(key=lambda a: (-a.score, a.contact.display_name.lower(), a.contact.pk))

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


def interactions_per_month(user: User, today: dt.date, months: int = MONTHS) -> list[MonthCount]:
    """Interactions per local calendar month and purpose, for the last `months` months up to this one, in
    one grouped query (served by interaction_owner_when)."""
    zone = user.zone
    first = _month_start(today, months - 1)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    counts: dict[tuple[dt.date, str], int] = {}
    rows = (
        Interaction.objects.filter(owner=user, occurred_at__gte=start)
        .annotate(month=TruncMonth("occurred_at", tzinfo=zone))
        .values("month", "purpose")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        month = row["month"]
        month = month.astimezone(zone).date() if isinstance(month, dt.datetime) else month
        counts[(month.replace(day=1), row["purpose"])] = row["n"]
    return [
        MonthCount(m, counts.get((m, Purpose.PERSONAL), 0), counts.get((m, Purpose.PROFESSIONAL), 0))
        for m in (_month_start(today, back) for back in range(months - 1, -1, -1))
    ]


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
        return reverse("event_detail", args=[self.event_id])


def events_outcomes(
    user: User, purpose: str, today: dt.date
) -> tuple[list[EventOutcome], list[EventOutcome]]:
    """Events that led to lasting relationships of `purpose` (policy.is_lasting), most first; and events
    whose people met there (with a `met` interaction of that purpose) were never followed up with an
    interaction of that purpose, newest first. At most EVENTS_CAP of each.

    1. One query reads each meeting at an event with the contact's clock fields. A person followed up at all
       has a latest interaction of the purpose after the meeting (the denormalised last_<purpose>_at); only
       for those, and only if seen recently enough to be lasting, does a correlated subquery count the later
       interactions (CASE keeps PostgreSQL from running it for the rest).
    2. The policy decides, per person and event, in Python; events are tallied from those rows.
    """
    zone, table = user.zone, user.cadence_table()
    # Whoever was last seen more than twice the longest default cadence ago has lapsed, so cannot be lasting:
    # their later interactions are not counted (unless their own cadence may be longer).
    lapsed_before = dt.datetime.combine(
        today - dt.timedelta(days=2 * max(table[purpose].values())), dt.time(0), tzinfo=zone
    )
    last_field = (
        "contact__last_personal_at" if purpose == Purpose.PERSONAL else "contact__last_professional_at"
    )
    later = (
        Participation.objects.filter(
            contact_id=OuterRef("contact_id"),
            interaction__purpose=purpose,
            interaction__occurred_at__gt=OuterRef("interaction__occurred_at"),
        )
        .order_by()
        .values("contact_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Participation.objects.filter(
            owner=user,
            interaction__owner=user,
            interaction__kind=Kind.MET,
            interaction__purpose=purpose,
            interaction__event__isnull=False,
            contact__archived_at__isnull=True,
        )
        .annotate(
            later=Case(
                When(
                    Q(**{f"{last_field}__gt": F("interaction__occurred_at")})
                    & (
                        Q(**{f"{last_field}__gte": lapsed_before})
                        | Q(**{f"contact__{purpose}_cadence_days__isnull": False})
                    ),
                    then=Coalesce(Subquery(later, output_field=IntegerField()), Value(0)),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values_list(
            "interaction__event_id",
            "interaction__event__name",
            "interaction__event__start_date",
            "contact_id",
            "interaction__occurred_at",
            last_field,
            "later",
            "contact__intention",
            "contact__circle",
            "contact__created_at",
            "contact__personal_cadence_days",
            "contact__professional_cadence_days",
        )
        .order_by()
    )
    events: dict[int, EventOutcome] = {}
    seen: dict[int, dict[int, tuple[bool, bool]]] = defaultdict(dict)
    for (event_id, name, start, contact_id, met_at, last_at, later_count, intention, circle, created_at,
         personal_days, professional_days) in rows:  # fmt: skip
        events.setdefault(event_id, EventOutcome(event_id, name, start))
        facts = ContactFacts(
            intention, circle, policy.local_date(created_at, zone), personal_days, professional_days
        )
        met_on = policy.local_date(met_at, zone)
        lasting = False
        if later_count and last_at is not None:
            last_on = policy.local_date(last_at, zone)
            # is_lasting needs how many later interactions there were and when the last was; the dates in
            # between do not change its answer.
            later_on = [met_on] * (later_count - 1) + [last_on]
            lasting = policy.is_lasting(met_on, later_on, policy.cadence_for(facts, purpose, table), today)
        before = seen[event_id].get(contact_id, (False, True))
        # Met twice at one event: lasting if either meeting led on, never followed up only if neither did.
        followed_up = last_at is not None and last_at > met_at
        seen[event_id][contact_id] = (before[0] or lasting, before[1] and not followed_up)
    for event_id, people in seen.items():
        outcome = events[event_id]
        outcome.met = len(people)
        outcome.lasting = sum(1 for lasting, _ in people.values() if lasting)
        outcome.never_followed_up = sum(1 for _, never in people.values() if never)
    lasting_events = sorted(
        (e for e in events.values() if e.lasting),
        key=lambda e: (-e.lasting, -e.start_date.toordinal(), e.name),
    )
    unfollowed = sorted(
        (e for e in events.values() if e.never_followed_up), key=lambda e: (-e.start_date.toordinal(), e.name)
    )
    return lasting_events[:EVENTS_CAP], unfollowed[:EVENTS_CAP]


# Drift ------------------------------------------------------------------------------------------------------


@dataclass
class Drift:
    contact: Contact
    purposes: list[str]

    @property
    def other(self) -> str:
        """The purpose the recent interactions had instead: the intention to offer."""
        return Purpose.PROFESSIONAL if self.contact.intention == Purpose.PERSONAL else Purpose.PERSONAL


def drift_find(user: User, purpose: str) -> tuple[list[Drift], int]:
    """Contacts of intention `purpose` (never `both`) that drift (policy.is_drifting): at least 3
    interactions, none of the intention's purpose among the last 5. At most LIST_CAP by name, and how many.

    1. Candidates: a drifting contact's latest interaction is not of its purpose, which the denormalised
       dates tell without reading interactions.
    2. One windowed query (ROW_NUMBER() per contact, newest first) reads at most the last 5 interactions
       of each candidate; the policy decides.
    """
    last = "last_personal_at" if purpose == Purpose.PERSONAL else "last_professional_at"
    candidates = Contact.objects.filter(
        owner=user, archived_at__isnull=True, intention=purpose, last_interaction_at__isnull=False
    ).filter(Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__lt": F("last_interaction_at")}))
    recent = (
        Participation.objects.filter(owner=user, contact__in=candidates.values("pk"))
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("contact_id")],
                order_by=[F("interaction__occurred_at").desc(), F("interaction_id").desc()],
            )
        )
        .filter(row__lte=policy.DRIFT_WINDOW)
        .values_list("contact_id", "interaction__purpose", "row")
    )
    purposes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for contact_id, interaction_purpose, row in recent:
        purposes[contact_id].append((row, interaction_purpose))
    newest_first = {cid: [p for _, p in sorted(rows)] for cid, rows in purposes.items()}
    drifting = [cid for cid, ps in newest_first.items() if policy.is_drifting(purpose, ps)]
    shown = Contact.objects.filter(owner=user, pk__in=drifting).order_by(Lower("display_name"), "pk")[
        :LIST_CAP
    ]
    return [Drift(c, newest_first[c.pk]) for c in shown], len(drifting)


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
    lasting, unfollowed = events_outcomes(user, purpose, today)
    drift, drift_total = drift_find(user, purpose)
    return Dashboard(
        purpose=purpose,
        headline=headline_numbers(user, purpose, today, now),
        attention=people.attention,
        attention_total=people.attention_total,
        health=people.health,
        chart=chart_build(interactions_per_month(user, today)),
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
    start = dt.datetime.combine(months[0].month, dt.time(0), tzinfo=user.zone)
    # From the year's interactions (interaction_owner_when) to the tags of their people, grouped: reading
    # from the tags' side joined every interaction ever before the year's were filtered out.
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for tag_id, purpose, n in (
        Interaction.objects.filter(owner=user, occurred_at__gte=start, contacts__tags__isnull=False)
        .values_list("contacts__tags", "purpose")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        counts[tag_id][purpose] = n
    tags = Tag.objects.filter(owner=user, pk__in=list(counts))
    rows = sorted(
        (
            TagBalance(t, counts[t.pk].get(Purpose.PERSONAL, 0), counts[t.pk].get(Purpose.PROFESSIONAL, 0))
            for t in tags
        ),
        key=lambda t: (-t.total, t.tag.name.lower()),
    )
    return Balance(months, chart_build(months), rows)
