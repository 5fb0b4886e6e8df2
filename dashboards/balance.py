"""The Balance view: how the last 12 months' interactions split between personal and professional, per month
and per tag of the people taking part."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from accounts.choices import Purpose
from accounts.models import User
from contacts.models import Tag
from dashboards.charts import Chart, chart_build
from dashboards.counts import MonthCount, PurposeSplit, interactions_per_month, month_start
from interactions.models import TagDay


@dataclass(frozen=True)
class TagBalance(PurposeSplit):
    tag: Tag
    personal: int
    professional: int


@dataclass
class Balance(PurposeSplit):
    """The year's split (its shares are PurposeSplit's), per month and per tag."""

    personal: int
    professional: int
    months: list[MonthCount]
    chart: Chart
    tags: list[TagBalance]


def _tag_counts(user: User, first: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """Interactions on the local days from `first` to `end` (excluded) per tag of the people taking part and
    purpose (an interaction with two people of one tag counts once for it): the counts per day kept in
    TagDay (interactions.days), summed in one grouped statement over a range of its unique index."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    summed = (
        TagDay.objects.filter(owner=user, day__gte=first, day__lt=end)
        .values_list("tag_id", "purpose")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for tag_id, purpose, n in summed:
        counts[tag_id][purpose] = n
    return counts


def balance_build(user: User, today: dt.date) -> Balance:
    """The split of interactions between personal and professional over the last 12 months: per month, and
    per tag of the people taking part (an interaction counts once per tag)."""
    months = interactions_per_month(user, today)
    tags = {tag.pk: tag for tag in Tag.objects.filter(owner=user)}
    counts = _tag_counts(user, months[0].month, month_start(today, -1)) if tags else {}
    rows = sorted(
        (
            TagBalance(t, counts[t.pk].get(Purpose.PERSONAL, 0), counts[t.pk].get(Purpose.PROFESSIONAL, 0))
            for t in tags.values()
            if t.pk in counts
        ),
        key=lambda t: (-t.total, t.tag.name.lower()),
    )
    personal = sum(m.personal for m in months)
    professional = sum(m.professional for m in months)
    return Balance(personal, professional, months, chart_build(months), rows)
