"""/api/v1/dashboards/{group}: a dashboard's summary, as the Friendships and Network pages show it."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from accounts.choices import Purpose
from api.http import READ_ONE, conditional_get
from api.routes.contacts import _user
from api.schemas import AttentionOut, CircleCount, DashboardOut, Headline, HealthCount
from dashboards.dashboards import headline_numbers
from dashboards.queries import people_overview
from followups.engine import user_today

router = Router(tags=["dashboards"])

_GROUPS = {"friendships": Purpose.PERSONAL, "network": Purpose.PROFESSIONAL}


@router.get(
    "/dashboards/{group}",
    response={200: DashboardOut, **READ_ONE},
    operation_id="dashboard_get",
    summary="A dashboard's summary",
)
def dashboard_get(
    request: HttpRequest, response: HttpResponse, group: Literal["friendships", "network"]
) -> Any:
    """A dashboard's headline numbers, who needs attention (most overdue first, as on the page), how many
    people are in each health and how each circle is doing."""
    user = _user(request)
    purpose, today = _GROUPS[group], user_today(user)
    people = people_overview(user, purpose, today)
    numbers = headline_numbers(user, purpose, today, timezone.now())
    body = DashboardOut(
        group=group,
        headline=Headline(
            people=numbers.people,
            last_30=numbers.last_30,
            last_90=numbers.last_90,
            due=numbers.due,
            overdue=numbers.overdue,
        ),
        attention=[
            AttentionOut(
                contact_id=item.contact.pk,
                display_name=item.contact.display_name,
                days_since=item.elapsed,
                cadence_days=item.cadence,
                followup_id=item.followup.pk if item.followup else None,
            )
            for item in people.attention
        ],
        attention_total=people.attention_total,
        health=[HealthCount(health=b.health, people=b.count) for b in people.health],  # type: ignore[arg-type]
        circles=[
            CircleCount(circle=c.circle, people=c.count, in_touch=c.met, behind=c.behind)  # type: ignore[arg-type]
            for c in people.circles
        ],
    )
    return conditional_get(request, response, body)
