"""The Balance view: how the last 12 months' interactions split between personal and professional, per month
and per tag of the people taking part."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from accounts.choices import Purpose
from accounts.models import User
from contacts.models import Contact, Tag
from dashboards.charts import Chart, chart_build
from dashboards.counts import MonthCount, PurposeSplit, interactions_per_month, month_start
from interactions.models import Participation


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


def _tag_counts(
    user: User, tags: list[int], start: dt.datetime, end: dt.datetime
) -> dict[int, dict[str, int]]:
    """Interactions from `start` to `end` per tag (of `tags`) of the people taking part and purpose.

    The participations (participation_owner_when, read from the index alone on PostgreSQL) joined to their
    people's tags: one row per interaction and tag (an interaction with two people of one tag counts once
    for it), then counted. Written out because the ORM's path from a participation to its people's tags
    joins every contact on the way; this reads only the user's tags' rows."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
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
    return counts


def balance_build(user: User, today: dt.date) -> Balance:
    """The split of interactions between personal and professional over the last 12 months: per month, and
    per tag of the people taking part (an interaction counts once per tag)."""
    months = interactions_per_month(user, today)
    zone = user.zone
    start = dt.datetime.combine(months[0].month, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(month_start(today, -1), dt.time(0), tzinfo=zone)
    tags = {tag.pk: tag for tag in Tag.objects.filter(owner=user)}
    counts = _tag_counts(user, list(tags), start, end) if tags else {}
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
