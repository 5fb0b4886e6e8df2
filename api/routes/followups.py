"""/api/v1/followups: what is due (the Due page), and done, snooze and dismiss through followups.engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from accounts.ownership import get_owned_or_404
from api.http import READ_LIST, WRITE, Id, conditional_get
from api.problems import ApiProblem, Problem, field_problem
from api.routes.contacts import _user, owned_contact
from api.schemas import DoneOut, FollowUpList, FollowUpOut, ReminderIn, SnoozeIn
from followups.engine import (
    followup_dismiss,
    followup_done,
    followup_request,
    followup_snooze,
    followups_due,
    user_today,
)
from followups.models import FollowUp

router = Router(tags=["follow-ups"])

CLOSED = {409: Problem}
# A day that has passed is refused with 409: valid as a date, but not any more.
PASSED = {409: Problem}


def followup_out(followup: FollowUp) -> FollowUpOut:
    return FollowUpOut(
        id=followup.pk,
        contact_id=followup.contact_id,
        contact_name=followup.contact.display_name,
        purpose=followup.purpose,  # type: ignore[arg-type]
        reason=followup.reason,  # type: ignore[arg-type]
        state=followup.state,  # type: ignore[arg-type]
        due_on=followup.due_on,
        snoozed_until=followup.snoozed_until,
        note=followup.note,
    )


def _open_followup(request: HttpRequest, pk: int) -> FollowUp:
    followup = get_owned_or_404(FollowUp.objects.select_related("contact"), _user(request), pk=pk)
    if not followup.is_open:
        raise ApiProblem(409, f"This follow-up is {followup.get_state_display().lower()} already.")
    return followup


@router.get(
    "/followups/due",
    response={200: FollowUpList, **READ_LIST},
    operation_id="followups_due",
    summary="Follow-ups due",
)
def followups_due_route(request: HttpRequest, response: HttpResponse) -> Any:
    """Everything due or overdue today, as on the Due page: Friendships first, then Network, each most
    overdue first."""
    user = _user(request)
    groups = followups_due(user, user_today(user))
    body = FollowUpList(items=[followup_out(f) for group in groups for f in group.items])
    return conditional_get(request, response, body)


@router.post(
    "/followups/{followup_id}/done",
    response={200: DoneOut, **WRITE, **CLOSED},
    operation_id="followup_done",
    summary="I reached out",
)
def followup_done_route(request: HttpRequest, followup_id: Id) -> Any:
    """ "I reached out": closes the follow-up and logs an interaction of its purpose, now."""
    followup = _open_followup(request, followup_id)
    interaction = followup_done(followup)
    return Status(200, DoneOut(followup=followup_out(followup), interaction_id=interaction.pk))


@router.post(
    "/followups/{followup_id}/snooze",
    response={200: FollowUpOut, **WRITE, **CLOSED},
    operation_id="followup_snooze",
    summary="Snooze a follow-up",
)
def followup_snooze_route(request: HttpRequest, followup_id: Id, payload: SnoozeIn) -> Any:
    """Put the follow-up away for some days (a week unless told), or until a day after today."""
    followup = _open_followup(request, followup_id)
    today = user_today(followup.contact.owner)
    until = payload.until or today + dt.timedelta(days=payload.days)
    if until <= today:
        raise field_problem("until", "Choose a day after today.", 409)
    return Status(200, followup_out(followup_snooze(followup, until)))


@router.post(
    "/followups/{followup_id}/dismiss",
    response={200: FollowUpOut, **WRITE, **CLOSED},
    operation_id="followup_dismiss",
    summary="Dismiss a follow-up",
)
def followup_dismiss_route(request: HttpRequest, followup_id: Id) -> Any:
    """ "Not this one": the clock's next follow-up comes a cadence later."""
    return Status(200, followup_out(followup_dismiss(_open_followup(request, followup_id))))


@router.post(
    "/contacts/{contact_id}/reminders",
    response={201: FollowUpOut, **WRITE, **PASSED},
    operation_id="reminder_create",
    summary="Remind me on a day",
)
def reminder_create(request: HttpRequest, contact_id: Id, payload: ReminderIn) -> Any:
    """ "Remind me on <day>: <note>", as on the contact page: a follow-up due that day (today or later)."""
    user = _user(request)
    contact = owned_contact(user, contact_id)
    if payload.due_on < user_today(user):
        raise field_problem("due_on", "Choose today or a later day.", 409)
    followup = followup_request(contact, payload.due_on, payload.note, purpose=payload.purpose)
    return Status(201, followup_out(followup))
