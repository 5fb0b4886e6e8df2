"""/api/v1 resources read as the pages show them: tags, events, interactions and the two dashboards."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.choices import Purpose
from accounts.keyset import BadCursor, KeysetPage, keyset_page
from accounts.ownership import get_owned_or_404, owned
from api.http import CURSOR_PATTERN, READ_LIST, READ_ONE, Id, conditional_get
from api.problems import ApiProblem
from api.routes.contacts import _user
from api.schemas import (
    AttentionOut,
    DashboardOut,
    EventOut,
    EventPage,
    Headline,
    InteractionOut,
    InteractionPage,
    TagList,
    TagOut,
)
from contacts.models import Tag
from dashboards.dashboards import headline_numbers
from dashboards.queries import people_overview
from followups.engine import user_today
from interactions.models import Event, Interaction

router = Router()


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=2000, pattern=CURSOR_PATTERN)
    limit: int = Field(25, ge=1, le=100)


def _page[M: Any](queryset: Any, query: PageQuery) -> KeysetPage[Any]:
    try:
        return keyset_page(queryset, query.cursor, query.limit)
    except BadCursor:
        raise ApiProblem(404, "No such page: the cursor is not one this list gave out.") from None


@router.get(
    "/tags",
    response={200: TagList, **READ_LIST},
    tags=["tags"],
    operation_id="tags_list",
    summary="List tags",
)
def tags_list(request: HttpRequest, response: HttpResponse) -> Any:
    """Every tag, with how many contacts carry it."""
    tags = owned(Tag, _user(request)).annotate(count=Count("contacts")).order_by("name_folded", "id")
    body = TagList(items=[TagOut(id=t.pk, name=t.name, contacts=t.count) for t in tags])
    return conditional_get(request, response, body)


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.pk,
        name=event.name,
        start_date=event.start_date,
        end_date=event.end_date,
        place=event.place,
        setting=event.setting,  # type: ignore[arg-type]
        notes=event.notes,
    )


@router.get(
    "/events",
    response={200: EventPage, **READ_LIST},
    tags=["events"],
    operation_id="events_list",
    summary="List events",
)
def events_list(request: HttpRequest, response: HttpResponse, query: Query[PageQuery]) -> Any:
    """Events, latest first."""
    page = _page(owned(Event, _user(request)).order_by("-start_date", "-id"), query)
    body = EventPage(items=[event_out(e) for e in page.items], next_cursor=page.next_cursor)
    return conditional_get(request, response, body)


@router.get(
    "/events/{event_id}",
    response={200: EventOut, **READ_ONE},
    tags=["events"],
    operation_id="event_get",
    summary="Get an event",
)
def event_get(request: HttpRequest, response: HttpResponse, event_id: Id) -> Any:
    event = get_owned_or_404(Event, _user(request), pk=event_id)
    return conditional_get(request, response, event_out(event))


def interaction_out(interaction: Interaction) -> InteractionOut:
    return InteractionOut(
        id=interaction.pk,
        occurred_at=interaction.occurred_at,
        kind=interaction.kind,  # type: ignore[arg-type]
        purpose=interaction.purpose,  # type: ignore[arg-type]
        setting=interaction.setting,  # type: ignore[arg-type]
        event_id=interaction.event_id,
        notes=interaction.notes,
        participants=sorted(p.contact_id for p in interaction.participations.all()),
    )


def _interactions(request: HttpRequest) -> Any:
    return owned(Interaction, _user(request)).prefetch_related("participations")


@router.get(
    "/interactions",
    response={200: InteractionPage, **READ_LIST},
    tags=["interactions"],
    operation_id="interactions_list",
    summary="List interactions",
)
def interactions_list(request: HttpRequest, response: HttpResponse, query: Query[PageQuery]) -> Any:
    """Interactions with their participants' ids, latest first."""
    page = _page(_interactions(request).order_by("-occurred_at", "-id"), query)
    body = InteractionPage(items=[interaction_out(i) for i in page.items], next_cursor=page.next_cursor)
    return conditional_get(request, response, body)


@router.get(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **READ_ONE},
    tags=["interactions"],
    operation_id="interaction_get",
    summary="Get an interaction",
)
def interaction_get(request: HttpRequest, response: HttpResponse, interaction_id: Id) -> Any:
    interaction = get_owned_or_404(_interactions(request), _user(request), pk=interaction_id)
    return conditional_get(request, response, interaction_out(interaction))


_GROUPS = {"friendships": Purpose.PERSONAL, "network": Purpose.PROFESSIONAL}


@router.get(
    "/dashboards/{group}",
    response={200: DashboardOut, **READ_ONE},
    tags=["dashboards"],
    operation_id="dashboard_get",
    summary="A dashboard's summary",
)
def dashboard_get(
    request: HttpRequest, response: HttpResponse, group: Literal["friendships", "network"]
) -> Any:
    """A dashboard's headline numbers and who needs attention, most overdue first (as on the page)."""
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
    )
    return conditional_get(request, response, body)
