"""Interactions per local calendar month and purpose, and per purpose in the last 30 and 90 local days: what
the dashboards' headline and chart and the Balance view count, from one grouped statement over the counts per
day and purpose that the writers of interactions keep (interactions.days)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts.choices import Purpose
from accounts.models import User
from interactions.models import InteractionDay

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
    """Interactions per month and purpose, and per purpose in the last 30 and 90 local days (today
    included)."""

    months: list[MonthCount]
    last_30: dict[str, int]
    last_90: dict[str, int]


def _counts_statement(
    user: User, starts: list[dt.date], today: dt.date, recent: bool
) -> tuple[str, list[Any]]:
    """The grouped statement interaction_counts runs over the user's counts per day (InteractionDay): each
    day's month (by `starts`, the first days of the months shown), its recency (with `recent`: 0 for the
    30 local days up to `today`, 1 for the 60 before them, 2 otherwise), its purpose, and how many."""
    # Written out rather than built with the ORM: its CASE of twelve WHENs took longer to build than the
    # query takes to run. Every value is a parameter.
    end = month_start(today, -1)
    quote = connection.ops.quote_name
    day, count = quote("day"), quote("count")
    last_month = len(starts) - 1
    whens = " ".join(f"WHEN {day} < %s THEN {i}" for i in range(last_month))
    month = f"CASE {whens} ELSE {last_month} END" if whens else "0"
    month_params: list[dt.date] = starts[1:]
    lo = starts[0]
    recency, recency_params = "2", []
    if recent:
        lo = min(lo, today - dt.timedelta(days=89))
        recency = f"CASE WHEN {day} > %s THEN 2 WHEN {day} >= %s THEN 0 WHEN {day} >= %s THEN 1 ELSE 2 END"
        recency_params = [today, today - dt.timedelta(days=29), today - dt.timedelta(days=89)]
    sql = (
        # The month's index, or -1 outside the months shown.
        f"SELECT CASE WHEN {day} >= %s AND {day} < %s THEN {month} ELSE -1 END, {recency}, purpose, "
        f"SUM({count}) FROM {quote(InteractionDay._meta.db_table)} "
        f"WHERE owner_id = %s AND {day} >= %s AND {day} < %s GROUP BY 1, 2, 3"
    )
    adapt = connection.ops.adapt_datefield_value
    params = [
        *map(adapt, [starts[0], end, *month_params, *recency_params]),
        user.pk,
        adapt(lo),
        adapt(end),
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
    """Interactions per local calendar month and purpose for the last `months` months up to this one (the
    whole of this month) and, when `now` is given, per purpose in the last 30 and 90 local days up to
    `today`, today included (today-29 to today, today-89 to today): one grouped statement over an index
    range of the user's counts per day (InteractionDay, kept by the writers of interactions), a few hundred
    rows for a year however many interactions it held."""
    starts = [month_start(today, back) for back in range(months - 1, -1, -1)]
    with connection.cursor() as cursor:
        cursor.execute(*_counts_statement(user, starts, today, now is not None))
        rows = cursor.fetchall()
    return _counts_read(rows, starts)


def interactions_per_month(user: User, today: dt.date, months: int = MONTHS) -> list[MonthCount]:
    """Interactions per local calendar month and purpose, for the last `months` months up to this one."""
    return interaction_counts(user, today, months=months).months
