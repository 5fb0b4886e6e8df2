from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.ownership import get_owned_or_404, owned
from contacts.models import Contact
from interactions.models import Event


@login_required
def home(request: HttpRequest) -> HttpResponse:
    contacts = owned(Contact, request.user).filter(archived_at__isnull=True).order_by("-last_interaction_at")
    events = owned(Event, request.user)
    return render(
        request,
        "interactions/home.html",
        {
            "recent_contacts": contacts[:20],
            "contact_count": contacts.count(),
            "events": events[:10],
            "event_count": events.count(),
        },
    )


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_owned_or_404(Event, request.user, pk=pk)
    people = (
        owned(Contact, request.user)
        .filter(participations__interaction__event=event)
        .distinct()
        .order_by("display_name")
    )
    return render(request, "interactions/event_detail.html", {"event": event, "people": people})
