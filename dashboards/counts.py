"""Interactions per local calendar month and purpose, and per purpose in the last 30 and 90 days: what the
dashboards' headline and chart and the Balance view count, from one grouped statement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts.choices import Purpose
from accounts.models import User
from interactions.models import Interaction

# The chart and the Balance view look back a year, this month included.
MONTHS = 12


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


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before the one `day` is in (a negative `back` is later)."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class InteractionCounts:
    """Interactions per month and purpose, and per purpose in the last 30 and 90 days."""

    months: list[MonthCount]
    last_30: dict[str, int]
    last_90: dict[str, int]


def _counts_statement(
    user: User, bounds: list[dt.datetime], now: dt.datetime | None
) -> tuple[str, list[Any]]:
    """The grouped statement interaction_counts runs: each row's month (by `bounds`, the instants the local
    months begin, and the end of the last), its recency before `now`, its purpose, and how many."""
    lo, hi = bounds[0], bounds[-1]
    # Written out rather than built with the ORM: its CASE of twelve WHENs took longer to build than the
    # query takes to run. Every value is a parameter.
    last_month = len(bounds) - 2
    whens = " ".join(f"WHEN occurred_at < %s THEN {i}" for i in range(last_month))
    month = f"CASE {whens} ELSE {last_month} END" if whens else "0"
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
    return sql, params


def _counts_read(rows: Sequence[tuple[int, int, str, int]], starts: list[dt.date]) -> InteractionCounts:
    """The counts statement's rows added up per month and purpose, and per purpose in the last 30 and 90
    days."""
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


def interaction_counts(
    user: User, today: dt.date, now: dt.datetime | None = None, months: int = MONTHS
) -> InteractionCounts:
    """Interactions per local calendar month and purpose for the last `months` months up to this one and,
    when `now` is given, per purpose in the 30 and 90 days up to it: one grouped statement over an index
    range of interaction_owner_when (owner, occurred_at, purpose), read without touching the table.

    Rows are put in months by comparing occurred_at with the instants the local months begin, worked out
    here, rather than by converting every row's time to the local zone in SQL (half the time)."""
    zone = user.zone
    starts = [month_start(today, back) for back in range(months - 1, -1, -1)]
    bounds = [dt.datetime.combine(m, dt.time(0), tzinfo=zone) for m in [*starts, month_start(today, -1)]]
    with connection.cursor() as cursor:
        cursor.execute(*_counts_statement(user, bounds, now))
        rows = cursor.fetchall()
    return _counts_read(rows, starts)


def interactions_per_month(user: User, today: dt.date, months: int = MONTHS) -> list[MonthCount]:
    """Interactions per local calendar month and purpose, for the last `months` months up to this one."""
    return interaction_counts(user, today, months=months).months
