"""/api/v1/events/{id}/capture: one person met at an event, saved as a quick-capture row is, by
interactions.capture.capture_row_save, and saved once however often the same row key is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from accounts.ownership import get_owned_or_404
from api.http import WRITE, Id, owned_or_field_404
from api.problems import PROBLEM_TYPE
from api.routes.contacts import _user, contact_out, owned_contact
from api.schemas import CaptureIn, CaptureOut, ContactBrief, DuplicateProblem
from contacts.models import Contact
from followups.engine import user_today
from interactions.capture import CaptureInput, capture_row_save
from interactions.models import Event

router = Router(tags=["capture"])


@router.post(
    "/events/{event_id}/capture",
    response={200: CaptureOut, 201: CaptureOut, 409: DuplicateProblem, **WRITE},
    operation_id="capture_row",
    summary="Log a person met at an event",
)
def capture_row(request: HttpRequest, event_id: Id, payload: CaptureIn) -> Any:
    """Log a person met at the event: a new contact and their `met` interaction (201), or, with `link`, a
    meeting with a known contact. The same `row_key` again returns the row saved the first time (200). A
    person who looks like someone already known is not saved: 409 lists the likely matches; send the row
    again with `link` (the same person) or `confirmed_new: true` (someone new)."""
    user = _user(request)
    event = get_owned_or_404(Event, user, pk=event_id)
    link = None
    if payload.link is not None:
        link = owned_or_field_404(Contact, user, payload.link, "link", "contact")
    remind_on = None
    if payload.remind_in_days is not None:
        remind_on = user_today(user) + dt.timedelta(days=payload.remind_in_days)
    row = CaptureInput(
        name=payload.name.strip(),
        intention=payload.intention,
        context=payload.context.strip(),
        email=(payload.email or "").strip(),
        phone=payload.phone.strip(),
        company=payload.company.strip(),
        row_key=payload.row_key,
        link=link,
        confirmed_new=payload.confirmed_new,
        remind_on=remind_on,
        remind_note=payload.remind_note.strip() if remind_on else "",
    )
    result = capture_row_save(user, event, row, now=timezone.now())
    if result.participation is None:
        problem = DuplicateProblem(
            title="Conflict",
            status=409,
            detail="This looks like someone you know already: send the row again with `link` set to one "
            "of them, or with `confirmed_new: true`.",
            duplicates=[
                ContactBrief(id=c.pk, display_name=c.display_name, company=c.company)
                for c in result.duplicates
            ],
        )
        return HttpResponse(problem.model_dump_json(), status=409, content_type=PROBLEM_TYPE)
    participation = result.participation
    body = CaptureOut(
        contact=contact_out(owned_contact(user, participation.contact_id)),
        interaction_id=participation.interaction_id,
        # A repeated row key answers with the meeting it saved the first time, whichever event was named now.
        event_id=participation.interaction.event_id or event.pk,
        context=participation.interaction.notes,
        repeated=result.repeated,
    )
    return Status((200 if result.repeated else 201), body)
