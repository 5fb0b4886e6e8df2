"""/api/v1/interactions: interactions with their participants, read and written through
interactions.actions as the contact page's log form does (the last-seen dates and follow-ups follow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from accounts.choices import Setting
from accounts.models import User
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
    owned_or_field_404,
    page_of,
    written,
)
from api.problems import Problem, field_problem
from api.routes.contacts import _user
from api.schemas import InteractionIn, InteractionOut, InteractionPage, InteractionPatch
from contacts.models import Contact
from interactions.actions import interaction_delete, interaction_log, interaction_update
from interactions.forms import local_moment
from interactions.models import Event, Interaction

router = Router(tags=["interactions"])

# An archived contact cannot be added to an interaction (as on the pages): 409 says who.
ARCHIVED = {409: Problem}


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


def _interactions(user: User) -> Any:
    return owned(Interaction, user).prefetch_related("participations")


def _owned_interaction(user: User, pk: int, *, lock: bool = False) -> Interaction:
    """The owner's interaction; with `lock`, its row stays locked until the transaction ends, so that two
    writes sent with the same If-Match cannot both pass it."""
    queryset = _interactions(user)
    return get_owned_or_404(queryset.select_for_update(of=("self",)) if lock else queryset, user, pk=pk)


def _participants(user: User, ids: list[int], already: set[int]) -> list[Contact]:
    """The owner's contacts with these ids, in the order sent, once each. Someone else's id, or one that
    does not exist, is 404 naming the field; an archived contact not already taking part is 409."""
    wanted = list(dict.fromkeys(ids))
    found = {c.pk: c for c in Contact.objects.filter(owner=user, pk__in=wanted)}
    for i, pk in enumerate(ids):
        contact = found.get(pk)
        if contact is None:
            raise field_problem(f"participants.{i}", f"No contact with id {pk}.", 404)
        if contact.is_archived and pk not in already:
            raise field_problem(
                f"participants.{i}", f"{contact.display_name} is archived: bring them back first.", 409
            )
    return [found[pk] for pk in wanted]


def _moment(user: User, when: dt.datetime | dt.date) -> dt.datetime:
    """A moment as sent, or a day alone at noon in the user's time zone (as the log form keeps it)."""
    return when if isinstance(when, dt.datetime) else local_moment(when, None, user.zone)


def _event(user: User, pk: int | None) -> Event | None:
    return None if pk is None else owned_or_field_404(Event, user, pk, "event_id", "event")


@router.get(
    "/interactions",
    response={200: InteractionPage, **READ_LIST},
    operation_id="interactions_list",
    summary="List interactions",
)
def interactions_list(request: HttpRequest, response: HttpResponse, query: Query[PageQuery]) -> Any:
    """Interactions with their participants' ids, latest first."""
    queryset = _interactions(_user(request)).order_by("-occurred_at", "-id")
    page = page_of(queryset, query.cursor, query.limit)
    body = InteractionPage(items=[interaction_out(i) for i in page.items], next_cursor=page.next_cursor)
    return conditional_get(request, response, body)


@router.get(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **READ_ONE},
    operation_id="interaction_get",
    summary="Get an interaction",
)
def interaction_get(request: HttpRequest, response: HttpResponse, interaction_id: Id) -> Any:
    interaction = _owned_interaction(_user(request), interaction_id)
    return conditional_get(request, response, interaction_out(interaction))


@router.post(
    "/interactions",
    response={201: InteractionOut, **WRITE, **ARCHIVED},
    operation_id="interaction_log",
    summary="Log an interaction",
)
def interaction_log_route(request: HttpRequest, payload: InteractionIn) -> Any:
    """Log a moment with one or more contacts; their last-seen dates and follow-ups follow at once."""
    user = _user(request)
    event = _event(user, payload.event_id)
    interaction = interaction_log(
        user,
        _participants(user, payload.participants, set()),
        occurred_at=_moment(user, payload.occurred_at),
        kind=payload.kind,
        purpose=payload.purpose,
        setting=payload.setting or (event.setting if event else Setting.INFORMAL),
        event=event,
        notes=payload.notes.strip(),
    )
    return Status(201, interaction_out(_owned_interaction(user, interaction.pk)))


@router.patch(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **WRITE_IF_MATCH, **ARCHIVED},
    operation_id="interaction_update",
    summary="Change an interaction",
)
def interaction_update_route(
    request: HttpRequest, response: HttpResponse, interaction_id: Id, payload: InteractionPatch
) -> Any:
    user = _user(request)
    with transaction.atomic():
        interaction = _owned_interaction(user, interaction_id, lock=True)
        check_if_match(request, interaction_out(interaction))
        data = payload.model_dump(exclude_unset=True)
        fields: dict[str, Any] = {
            name: data[name] for name in ("kind", "purpose", "setting") if data.get(name)
        }
        if data.get("occurred_at") is not None:
            fields["occurred_at"] = _moment(user, data["occurred_at"])
        if data.get("notes") is not None:
            fields["notes"] = data["notes"].strip()
        if "event_id" in data:
            fields["event"] = _event(user, data["event_id"])
        contacts = None
        if data.get("participants") is not None:
            already = {p.contact_id for p in interaction.participations.all()}
            contacts = _participants(user, data["participants"], already)
        interaction_update(interaction, contacts=contacts, **fields)
    return Status(200, written(response, interaction_out(_owned_interaction(user, interaction_id))))


@router.delete(
    "/interactions/{interaction_id}",
    response={204: None, **WRITE_IF_MATCH},
    operation_id="interaction_delete",
    summary="Delete an interaction",
)
def interaction_delete_route(request: HttpRequest, interaction_id: Id) -> Any:
    with transaction.atomic():
        interaction = _owned_interaction(_user(request), interaction_id, lock=True)
        check_if_match(request, interaction_out(interaction))
        interaction_delete(interaction)
    return Status(204, None)
