"""/api/v1/events: the events list and one event, and writing them through interactions.actions, as the
events pages do. Deleting an event keeps the meetings logged at it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from accounts.dates import date_in_bounds
from accounts.ownership import get_owned_or_404, owned
from api.http import (
    READ_LIST,
    READ_ONE,
    WRITE,
    WRITE_IF_MATCH,
    Id,
    PageQuery,
    check_if_match,
    conditional_get,
    page_of,
    written,
)
from api.problems import Problem, field_problem
from api.routes.contacts import _user
from api.schemas import EventIn, EventOut, EventPage, EventPatch
from interactions.actions import event_create, event_delete, event_update
from interactions.models import Event

router = Router(tags=["events"])


def event_days(event: Event) -> int:
    return ((event.end_date or event.start_date) - event.start_date).days + 1


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.pk,
        name=event.name,
        start_date=event.start_date,
        end_date=event.end_date,
        days=event_days(event),
        place=event.place,
        setting=event.setting,  # type: ignore[arg-type]
        notes=event.notes,
    )


# An event that would end after Kith's last year: valid as sent, refused for what it adds up to.
ENDS_TOO_LATE = {409: Problem}


def _end(start: dt.date, days: int) -> dt.date | None:
    end = start + dt.timedelta(days=days - 1)
    if not date_in_bounds(end):
        raise field_problem("days", "The event would end after 2100: make it shorter.", 409)
    return end if days > 1 else None


@router.get(
    "/events", response={200: EventPage, **READ_LIST}, operation_id="events_list", summary="List events"
)
def events_list(request: HttpRequest, response: HttpResponse, query: Query[PageQuery]) -> Any:
    """Events, latest first."""
    page = page_of(owned(Event, _user(request)).order_by("-start_date", "-id"), query.cursor, query.limit)
    body = EventPage(items=[event_out(e) for e in page.items], next_cursor=page.next_cursor)
    return conditional_get(request, response, body)


@router.get(
    "/events/{event_id}",
    response={200: EventOut, **READ_ONE},
    operation_id="event_get",
    summary="Get an event",
)
def event_get(request: HttpRequest, response: HttpResponse, event_id: Id) -> Any:
    event = get_owned_or_404(Event, _user(request), pk=event_id)
    return conditional_get(request, response, event_out(event))


@router.post(
    "/events",
    response={201: EventOut, **WRITE, **ENDS_TOO_LATE},
    operation_id="event_create",
    summary="Create an event",
)
def event_create_route(request: HttpRequest, payload: EventIn) -> Any:
    event = event_create(
        _user(request),
        name=payload.name.strip(),
        start_date=payload.start_date,
        end_date=_end(payload.start_date, payload.days),
        place=payload.place.strip(),
        setting=payload.setting,
        notes=payload.notes.strip(),
    )
    return Status(201, event_out(event))


@router.patch(
    "/events/{event_id}",
    response={200: EventOut, **WRITE_IF_MATCH, **ENDS_TOO_LATE},
    operation_id="event_update",
    summary="Change an event",
)
def event_update_route(
    request: HttpRequest, response: HttpResponse, event_id: Id, payload: EventPatch
) -> Any:
    with transaction.atomic():
        event = get_owned_or_404(Event.objects.select_for_update(), _user(request), pk=event_id)
        check_if_match(request, event_out(event))
        data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
        start, days = data.pop("start_date", event.start_date), data.pop("days", event_days(event))
        fields = {k: v.strip() if isinstance(v, str) and k != "setting" else v for k, v in data.items()}
        event_update(event, **fields, start_date=start, end_date=_end(start, days))
    return Status(200, written(response, event_out(event)))


@router.delete(
    "/events/{event_id}",
    response={204: None, **WRITE_IF_MATCH},
    operation_id="event_delete",
    summary="Delete an event",
)
def event_delete_route(request: HttpRequest, event_id: Id) -> Any:
    """Delete the event; the people met there stay, and so do their meetings, with no event."""
    with transaction.atomic():
        event = get_owned_or_404(Event.objects.select_for_update(), _user(request), pk=event_id)
        check_if_match(request, event_out(event))
        event_delete(event)
    return Status(204, None)
