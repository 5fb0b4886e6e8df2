"""The owner's interactions counted per local day and purpose (InteractionDay), kept in step by the writers.

The dashboards read these counts instead of every interaction (dashboards.counts). `bulk_create` and
`QuerySet.delete` send no signals, so nothing here listens for saves: every function that writes
interactions (interactions.actions, the importer, restores, the demo seeder, the admin) calls
`interaction_days_refresh` for the local days it touched, the old and the new day of a moved interaction
alike. A new time zone moves every local day, so the user's whole summary is counted again then
(`interaction_days_after_settings_changed`, on accounts' `settings_changed`).
The same recount makes those days' counts per tag of the people taking part (TagDay, the Balance's); a
change of a tag's people recounts its tags on their days (`tag_days_refresh`, from dashboards.tag_days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from accounts.models import User
from contacts.policy import local_date
from interactions.models import Interaction, InteractionDay, Participation, TagDay

type Run = tuple[dt.date, dt.date]  # a run of consecutive local days, first and last
type Ids = Collection[int]

# More separate runs of days than this are counted as one run from the first day to the last: an import
# touching hundreds of days scattered over years recounts the span in one range instead of hundreds.
_MAX_RUNS = 32
# A recount of some tags (a contact tagged) keeps more runs apart: a span would read every day in between.
_MAX_TAG_RUNS = 400


def interaction_days_of(owner: User, moments: Iterable[dt.datetime]) -> set[dt.date]:
    """The owner's local days these moments fall on (contacts.policy.local_date, in the owner's zone)."""
    zone = owner.zone
    return {local_date(moment, zone) for moment in moments}


def _runs(days: Iterable[dt.date], most: int = _MAX_RUNS) -> list[tuple[dt.date, dt.date]]:
    """The days as runs of consecutive days (first, last), in order; at most `most` of them."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] <= dt.timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    if len(runs) > most:
        return [(runs[0][0], runs[-1][1])]
    return [(first, last) for first, last in runs]


@transaction.atomic(savepoint=False)
def interaction_days_refresh(owner: User, days: Iterable[dt.date] | None = None) -> None:
    """Count the owner's interactions again, from the interactions table, on the given local days (every
    day when `days` is None), and store the counts in InteractionDay. Idempotent: the stored rows of those
    days are replaced by what the interactions say, whatever they held before.

    1. The owner's row is locked (FOR NO KEY UPDATE, which inserts referring to the user do not wait on),
       so that two writers of one account recount one after the other, the second seeing the first's rows.
    2. The days are merged into runs of consecutive days; the interactions from the local midnight that
       begins each run to the one that ends it are counted per local day (in the owner's zone, by the
       database) and purpose. A midnight that a DST change skips or repeats still gives the day's first
       instant (fold 0 takes the offset in force before the change).
    3. The stored rows of those days are deleted and the new counts inserted; then the same for the
       counts per tag of those days (TagDay, `_tag_days_count`).
    """
    runs = None if days is None else _runs(days)
    if runs == []:
        return
    zone = owner.zone
    list(User.objects.select_for_update(no_key=True).filter(pk=owner.pk).values_list("pk"))
    interactions = Interaction.objects.filter(owner=owner)
    stored = InteractionDay.objects.filter(owner=owner)
    if runs is not None:
        instants, dates = _between(runs, zone)
        interactions, stored = interactions.filter(instants), stored.filter(dates)
    counted = (
        interactions.annotate(local_day=TruncDate("occurred_at", tzinfo=zone))
        .values_list("local_day", "purpose")
        .annotate(n=Count("*"))
        .order_by()
    )
    rows = [
        InteractionDay(owner_id=owner.pk, day=day, purpose=purpose, count=n) for day, purpose, n in counted
    ]
    stored.delete()
    InteractionDay.objects.bulk_create(rows, batch_size=1000)
    _tag_days_count(owner, runs)


def _between(runs: list[Run], zone: dt.tzinfo) -> tuple[Q, Q]:
    """The instants from the local midnight that begins each run to the one that ends it (on `occurred_at`),
    and the run's days (on `day`)."""
    instants, dates = Q(), Q()
    for first, last in runs:
        start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        instants |= Q(occurred_at__gte=start, occurred_at__lt=end)
        dates |= Q(day__range=(first, last))
    return instants, dates


def _tag_days_count(owner: User, runs: list[Run] | None, tags: Ids | None = None, without: Ids = ()) -> None:
    """Count again the owner's interactions per tag (of `tags`, or every tag) of the people taking part, local
    day and purpose, on the days of `runs` (every day when None), without the participations of `without`;
    store them in TagDay in place of those days' and tags' rows. Distinct (tag, day, purpose, interaction)
    rows, then counted: two people of one tag count once. One INSERT ... SELECT: a whole account's recount
    (20,000 rows at 100,000 interactions) never passes through Python."""
    zone = owner.zone
    participations = Participation.objects.filter(owner=owner)
    stored = TagDay.objects.filter(owner=owner)
    if runs is not None:
        instants, dates = _between(runs, zone)
        participations, stored = participations.filter(instants), stored.filter(dates)
    if tags is not None:
        participations = participations.filter(contact__tags__in=list(tags))
        stored = stored.filter(tag_id__in=list(tags))
    else:
        participations = participations.filter(contact__tags__isnull=False)
    if without:
        participations = participations.exclude(contact_id__in=list(without))
    tagged = (
        participations.annotate(local_day=TruncDate("occurred_at", tzinfo=zone))
        .values_list("contact__tags", "local_day", "purpose", "interaction_id")
        .distinct()
        .order_by()
    )
    sql, params = tagged.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in ("owner_id", "tag_id", "day", "purpose", "count"))
    stored.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(TagDay._meta.db_table)} ({columns}) "
            f"SELECT {int(owner.pk)}, {quote('contact__tags')}, {quote('local_day')}, {quote('purpose')}, "
            f"COUNT(*) FROM ({sql}) AS tagged GROUP BY 2, 3, 4",
            params,
        )


@transaction.atomic(savepoint=False)
def tag_days_refresh(
    owner: User, days: Iterable[dt.date] | None = None, tags: Ids | None = None, *, without: Ids = ()
) -> None:
    """Count the owner's interactions per tag again (TagDay) on the given local days, for the given tags
    (every one when None), as `interaction_days_refresh` does for all tags of its days; idempotent."""
    runs = None if days is None else _runs(days, _MAX_TAG_RUNS if tags is not None else _MAX_RUNS)
    if runs == [] or (tags is not None and not tags):
        return
    list(User.objects.select_for_update(no_key=True).filter(pk=owner.pk).values_list("pk"))
    _tag_days_count(owner, runs, tags, without)


def interaction_days_after_settings_changed(
    sender: object, user: User, changed: frozenset[str], **kwargs: Any
) -> None:
    """accounts.signals.settings_changed: a new time zone moves the local day of every interaction, so the
    user's whole summary is counted again."""
    if "time_zone" in changed:
        interaction_days_refresh(user)
