"""The Friendships and Network dashboards: everything one of them shows, put together from
dashboards.queries (people, follow-ups due, events, drift) and dashboards.counts (interactions per month),
and the one-click "log" they offer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.choices import purpose_setting
from accounts.models import User
from contacts.models import Contact
from dashboards.charts import Chart, chart_build
from dashboards.counts import InteractionCounts, interaction_counts
from dashboards.queries import (
    Attention,
    CircleRow,
    Drift,
    EventOutcome,
    HealthBucket,
    contacts_list_url,
    dashboard_people,
    drift_find,
    events_outcomes,
    followups_due_counts,
    people_overview,
    purpose_other,
)
from followups.engine import GROUP_TITLES
from followups.models import FollowUp
from interactions.actions import interaction_log
from interactions.models import Interaction, Kind


@dataclass(frozen=True)
class Headline:
    people: int
    last_30: int
    last_90: int
    due: int
    overdue: int


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
        people = dashboard_people(user, purpose).count()
    if counts is None:
        counts = interaction_counts(user, today, now, months=1)
    due, overdue = followups_due_counts(user, purpose, today)
    return Headline(people, counts.last_30[purpose], counts.last_90[purpose], due, overdue)


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
    today: dt.date

    @property
    def attention_lines(self) -> list[tuple[Attention, FollowUp | dt.date]]:
        """Each person needing attention with what their lateness is worded from: their open follow-up
        (as on the Due page, snoozes included), else the day their clock fell due (today minus how far
        past its cadence it is). The overdue score orders the list but is never printed."""
        lines = [
            (item, item.followup or self.today - dt.timedelta(days=max(item.elapsed - item.cadence, 0)))
            for item in self.attention
        ]
        # Someone snoozed into the days ahead has been dealt with for now: they go after those still waiting,
        # in the same order among themselves, so a snooze from the dashboard visibly moves them down.
        return sorted(lines, key=lambda line: self._snoozed_ahead(line[1]))

    def _snoozed_ahead(self, due: FollowUp | dt.date) -> bool:
        return isinstance(due, FollowUp) and due.snoozed_until is not None and due.snoozed_until > self.today

    @property
    def title(self) -> str:
        return GROUP_TITLES[self.purpose]

    @property
    def other_purpose(self) -> str:
        return purpose_other(self.purpose)

    @property
    def is_empty(self) -> bool:
        return not self.headline.people and not self.chart.total

    @property
    def attention_url(self) -> str:
        return contacts_list_url(intention=self.purpose, sort="due")


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
        today=today,
    )


def dashboard_log_touch(user: User, contact: Contact, purpose: str, *, now: dt.datetime) -> Interaction:
    """A dashboard's one-click "log": an interaction of `purpose` with the contact at `now`, in the setting
    that purpose goes with, through interaction_log (which resets the clock and re-plans follow-ups)."""
    return interaction_log(
        user,
        [contact],
        occurred_at=now,
        kind=Kind.OTHER,
        purpose=purpose,
        setting=purpose_setting(purpose),
        notes=f"Logged from the {GROUP_TITLES[purpose]} dashboard.",
    )
