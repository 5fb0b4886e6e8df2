"""Pages of events, quick capture, the contact page with its timeline, and interactions. They read forms, call
the domain functions of interactions.actions and interactions.capture, and render."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.db.models.functions import Lower
from django.forms import RegexField
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Setting, purpose_setting, setting_purpose
from accounts.keyset import keyset_page_or_first
from accounts.models import User
from accounts.ownership import get_owned_or_404, owned
from accounts.pages import AuthenticatedHttpRequest, next_url, parse_id, render_page, wants_partial
from contacts.forms import RelationshipForm
from contacts.models import Contact
from contacts.queries import contact_health_on, contacts_search
from interactions.actions import event_create as create_event
from interactions.actions import event_update as update_event
from interactions.actions import (
    interaction_default_purpose,
    interaction_delete,
    interaction_log,
    interaction_update,
)
from interactions.capture import (
    capture_events,
    capture_row_correct,
    capture_row_save,
    capture_rows,
    event_start,
)
from interactions.cohorts import event_cohort
from interactions.forms import CaptureEventForm, CaptureRowForm, EventForm, InteractionForm
from interactions.models import Event, Interaction, Kind, Participation
from interactions.outbox import outbox_refusal
from interactions.scan import ScanError, scan_fill


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def more(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything the phone's tab bar has no room for, one tap from every page."""
    return render(request, "interactions/more.html")


# Events -----------------------------------------------------------------------------------------------------

EVENTS_PER_PAGE = 25


@login_required
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = owned(Event, request.user).annotate(
        people=Count("interactions__participations__contact", distinct=True)
    )
    page = keyset_page_or_first(
        events.order_by("-start_date", "-id"), request.GET.get("cursor"), EVENTS_PER_PAGE
    )
    context = {"page": page, "today": timezone.localdate()}
    return render(request, "interactions/event_list.html", context)


@login_required
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            event = create_event(request.user, **form.cleaned_data)
            messages.success(request, f"Added {event.name}.")
            return redirect(event)
    else:
        form = EventForm(initial={"start_date": timezone.localdate()})
    return render(request, "interactions/event_form.html", {"form": form, "event": None})


@login_required
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_owned_or_404(Event, request.user, pk=pk)
    if request.method == "POST":
        form = EventForm(request.POST, instance=event)
        if form.is_valid():
            update_event(event, **form.cleaned_data)
            messages.success(request, f"Saved {event.name}.")
            return redirect(event)
        event.refresh_from_db()
    else:
        form = EventForm(instance=event)
    return render(request, "interactions/event_form.html", {"form": form, "event": event})


@login_required
def event_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An event, everyone met there with what was noted about them, and what came of it (its cohorts)."""
    event = get_owned_or_404(Event, request.user, pk=pk)
    participations = (
        Participation.objects.filter(owner=request.user, interaction__event=event)
        .select_related("contact", "interaction")
        .order_by(Lower("contact__display_name"), "contact_id", "interaction__occurred_at")
    )
    people: dict[int, tuple[Contact, list[Interaction]]] = {}
    for participation in participations:
        people.setdefault(participation.contact_id, (participation.contact, []))[1].append(
            participation.interaction
        )
    cohorts = event_cohort(request.user, event, timezone.now())
    context = {"event": event, "people": list(people.values()), "cohorts": cohorts}
    return render(request, "interactions/event_detail.html", context)


# Quick capture ----------------------------------------------------------------------------------------------


@dataclass
class CaptureRow:
    """One row of the capture screen as the template draws it.

    `state` is what the person sees: `new` (a blank row), `saved`, `ask` (not saved: likely a duplicate,
    same person or new?) or `error` (not saved: the input needs fixing).
    """

    event: Event
    key: str
    form: CaptureRowForm
    state: str = "new"
    participation: Participation | None = None
    duplicates: Sequence[Contact] = ()
    # Saved by this request from a blank row: static/js/kith.js then adds the next blank row.
    just_created: bool = False
    # Where a row of an event started offline is sent: by the event's client key (capture_offline).
    action_url: str = ""

    @property
    def action(self) -> str:
        if self.action_url:
            return self.action_url
        if self.participation is not None:
            return reverse("capture_row", args=[self.participation.pk])
        return reverse("capture_event", args=[self.event.pk])


def _capture_form(
    user: User, event: Event, data: QueryDict | None = None, **initial: object
) -> CaptureRowForm:
    return CaptureRowForm(user, data, initial={"intention": setting_purpose(event.setting), **initial})


def _new_row(user: User, event: Event, key: str | None = None) -> CaptureRow:
    key = key or uuid.uuid4().hex
    return CaptureRow(event=event, key=key, form=_capture_form(user, event, row_key=key))


def _saved_row(user: User, event: Event, participation: Participation, state: str = "saved") -> CaptureRow:
    contact = participation.contact
    emails, phones = contact.emails.all(), contact.phones.all()
    form = _capture_form(
        user,
        event,
        name=contact.display_name,
        context=participation.interaction.notes,
        intention=contact.intention,
        email=emails[0].address if emails else "",
        phone=phones[0].number if phones else "",
        company=contact.company,
    )
    return CaptureRow(
        event=event,
        key=f"p{participation.pk}",
        form=form,
        state=state,
        participation=participation,
    )


def _capture_page(
    request: AuthenticatedHttpRequest,
    event: Event,
    *,
    new_row: CaptureRow | None = None,
    replace: CaptureRow | None = None,
) -> HttpResponse:
    user = request.user
    replaced = replace.participation if replace is not None else None
    rows = []
    for participation in capture_rows(user, event):
        if replace is not None and replaced is not None and replaced.pk == participation.pk:
            rows.append(replace)
        else:
            rows.append(_saved_row(user, event, participation))
    context = {
        "event": event,
        "rows": rows,
        "new_row": new_row or _new_row(user, event),
        # The blank row static/js/kith.js clones for the next person; it puts a fresh key in for __key__.
        "template_row": _new_row(user, event, key="__key__"),
    }
    return render(request, "interactions/capture.html", context)


def _capture_row_response(request: AuthenticatedHttpRequest, event: Event, row: CaptureRow) -> HttpResponse:
    """The row alone for htmx; the whole screen, with this row in place, without JavaScript."""
    if wants_partial(request):
        return render(request, "interactions/_capture_row.html", {"row": row, "event": event})
    if row.participation is not None:
        return _capture_page(request, event, replace=row)
    return _capture_page(request, event, new_row=row)


@login_required
def capture_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Quick capture, step one: pick today's event, or create it (name, place, setting) in one step."""
    today = timezone.localdate()
    if request.method == "POST":
        if (refused := outbox_refusal(request)) is not None:
            return refused
        form = CaptureEventForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            event = event_start(
                request.user,
                name=data["name"],
                place=data["place"],
                setting=data["setting"],
                day=today,
                client_key=data["client_key"],
            )
            return redirect("capture_event", pk=event.pk)
    else:
        form = CaptureEventForm()
    spanning, recent = capture_events(request.user, today)
    return render(
        request, "interactions/capture_start.html", {"form": form, "today_events": spanning, "recent": recent}
    )


@login_required
def capture_event(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Quick capture at one event: GET shows the rows; POST saves a new row (a new person, or a meeting
    linked to a known one)."""
    event = get_owned_or_404(Event, request.user, pk=pk)
    if request.method != "POST":
        return _capture_page(request, event)
    if (refused := outbox_refusal(request)) is not None:
        return refused
    user, scan_error = request.user, ""
    data: QueryDict = request.POST
    if (photo := request.FILES.get("photo")) is not None:
        try:
            data = scan_fill(request.POST, photo)
        except ScanError as error:
            scan_error = str(error)
    form = _capture_form(user, event, data)
    if not form.is_valid() or scan_error:
        if scan_error:
            form.add_error(None, scan_error)
        key = form.data.get("row_key", "")
        pattern = cast(RegexField, form.fields["row_key"]).regex
        key = key if pattern.match(key) and len(key) <= 64 else uuid.uuid4().hex
        return _capture_row_response(
            request, event, CaptureRow(event=event, key=key, form=form, state="error")
        )
    row = form.capture_input()
    result = capture_row_save(user, event, row, now=timezone.now())
    if result.participation is None:
        asked = CaptureRow(
            event=event,
            key=row.row_key or uuid.uuid4().hex,
            form=form,
            state="ask",
            duplicates=result.duplicates,
        )
        return _capture_row_response(request, event, asked)
    if not wants_partial(request):
        messages.success(request, f"Saved {result.participation.contact.display_name}.")
        return redirect(reverse("capture_event", args=[event.pk]) + "#new-row")
    # The meeting a row saved is always at an event (capture_row_save files it at one).
    at = cast(Event, result.participation.interaction.event)
    participation = capture_rows(user, at).get(pk=result.participation.pk)
    saved = _saved_row(user, event, participation)
    saved.just_created = True
    return _capture_row_response(request, event, saved)


@login_required
def capture_keyed(request: AuthenticatedHttpRequest, client_key: str) -> HttpResponse:
    """A row of an event started offline, sent by the event's client key: the outbox sends the event first,
    so a row that arrives before it is answered 409 (try again soon) and kept on the phone. Another user's
    key is not found, as any id of theirs."""
    event = owned(Event, request.user).filter(client_key=client_key).first()
    if event is not None:
        return capture_event(request, event.pk)
    if request.method != "POST" or Event.objects.filter(client_key=client_key).exists():
        raise Http404("No such event.")
    return HttpResponse("Its event has not reached the server yet.", status=409, content_type="text/plain")


@login_required
def capture_offline(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The capture screen of an event started without a connection: the service worker keeps this page, and
    static/js/outbox.js fills in the event from the phone's outbox; its rows are sent by the event's key."""
    event = Event(owner=request.user, name="", setting=Setting.INFORMAL, start_date=timezone.localdate())
    url = reverse("capture_keyed", args=["__event__"])
    row = _new_row(request.user, event)
    row.action_url = url
    template_row = _new_row(request.user, event, key="__key__")
    template_row.action_url = url
    context = {"event": event, "new_row": row, "template_row": template_row}
    return render(request, "interactions/capture_offline.html", context)


@login_required
def capture_row(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One saved row of the capture screen: GET draws it, POST saves corrections to it."""
    user = request.user
    participation = get_owned_or_404(
        Participation.objects.filter(interaction__kind=Kind.MET, interaction__event__isnull=False),
        user,
        pk=pk,
    )
    event = get_owned_or_404(Event, user, pk=participation.interaction.event_id)
    participation = capture_rows(user, event).get(pk=participation.pk)
    if request.method != "POST":
        return _capture_row_response(request, event, _saved_row(user, event, participation))
    form = _capture_form(user, event, request.POST)
    if not form.is_valid() or not form.cleaned_data["name"]:
        if form.is_valid():
            form.add_error("name", "A row needs a name.")
        row = CaptureRow(
            event=event, key=f"p{participation.pk}", form=form, state="error", participation=participation
        )
        return _capture_row_response(request, event, row)
    participation = capture_row_correct(participation, form.capture_input())
    if not wants_partial(request):
        messages.success(request, f"Saved {participation.contact.display_name}.")
        return redirect(reverse("capture_event", args=[event.pk]) + f"#row-p{participation.pk}")
    return _capture_row_response(request, event, _saved_row(user, event, participation))


# The contact page -------------------------------------------------------------------------------------------

# Ten at a time, so that on a phone the rest of the page (details, follow-ups) is not far below.
TIMELINE_PER_PAGE = 10


def _contact_log_form(user: User, contact: Contact, data: QueryDict | None = None) -> InteractionForm:
    setting = purpose_setting(contact.intention)
    initial = {"occurred_on": timezone.localdate(), "kind": Kind.CONVERSATION, "setting": setting}
    return InteractionForm(user, data, contact=contact, initial=initial)


def _contact_page(
    request: AuthenticatedHttpRequest,
    contact: Contact,
    *,
    log_form: InteractionForm | None = None,
    logged: bool = False,
) -> HttpResponse:
    """The contact page, or (for htmx) its timeline section with the log form."""
    user = request.user
    participants = Prefetch(
        "contacts", queryset=Contact.objects.only("id", "display_name").order_by("display_name")
    )
    timeline = (
        Interaction.objects.filter(owner=user, participations__contact=contact)
        .select_related("event")
        .prefetch_related(participants)
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(timeline, TIMELINE_PER_PAGE).get_page(request.GET.get("page"))
    for interaction in page:
        # The timeline names the other people in each interaction; this contact is the page itself.
        interaction.others = [c for c in interaction.contacts.all() if c.pk != contact.pk]
    today = timezone.localdate()
    context = {
        "contact": contact,
        "page": page,
        "log_form": log_form or _contact_log_form(user, contact),
        # The log form is folded until opened; a link to ?log=1 (or a rejected log) opens it.
        "log_open": bool(log_form is not None and log_form.errors) or request.GET.get("log") == "1",
        "logged": logged,
        "today": today,
        "health": contact_health_on(contact, user.cadence_table(), user.zone, today),
        "relationship_form": RelationshipForm(instance=contact),
    }
    if logged or not wants_partial(request):
        # The open follow-ups, read once for the header (the next one) and the follow-ups card (all of them);
        # the timeline alone (htmx) shows them only after a log, out of band.
        context["upcoming"] = list(contact.followups.upcoming())
    return render_page(request, "interactions/contact_detail.html", context, partial="timeline")


@login_required
def contact_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = get_owned_or_404(
        Contact.objects.prefetch_related("tags", "emails", "phones"), request.user, pk=pk
    )
    if wants_partial(request) and request.GET.get("part") == "next":
        # The page's header line about the next follow-up, fetched again after the follow-ups changed.
        upcoming = list(contact.followups.upcoming())
        context = {"contact": contact, "today": timezone.localdate(), "upcoming": upcoming}
        return render_page(request, "interactions/contact_detail.html", context, partial="next-followup")
    return _contact_page(request, contact)


@login_required
def contact_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The contact page's inline form: log an interaction with this contact (and others). htmx gets the
    timeline back; without JavaScript the browser returns to the contact page."""
    user = request.user
    contact = get_owned_or_404(Contact.objects.prefetch_related("tags", "emails", "phones"), user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = _contact_log_form(user, contact, request.POST)
    if not form.is_valid():
        return _contact_page(request, contact, log_form=form)
    interaction_log(
        user,
        form.people(),
        occurred_at=form.occurred_at(),
        kind=form.cleaned_data["kind"],
        purpose=form.chosen_purpose(),
        setting=form.cleaned_data["setting"],
        event=form.cleaned_data["event"],
        notes=form.cleaned_data["notes"],
    )
    if not wants_partial(request):
        messages.success(request, "Interaction logged.")
        return redirect(contact)
    contact.refresh_from_db()
    return _contact_page(request, contact, logged=True)


# At most this many people answer one search of the people picker; typing more of the name narrows them.
PEOPLE_SEARCH_LIMIT = 20


@login_required
def people_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The people picker's search (htmx): the user's active people matching `q` (name, company, notes, tags;
    case and accents ignored), the most recently seen first, at most PEOPLE_SEARCH_LIMIT. `exclude` is the
    contact page's own person; the `participants` already chosen are left out too."""
    user = request.user
    people = owned(Contact, user).filter(archived_at__isnull=True)
    exclude = request.GET.get("exclude")
    if exclude:
        people = people.exclude(pk=get_owned_or_404(Contact, user, pk=parse_id(exclude) or 0).pk)
    chosen = [pk for pk in map(parse_id, request.GET.getlist("participants")[:200]) if pk is not None]
    query = request.GET.get("q", "").strip()
    found: list[Contact] = []
    if query:
        matches = contacts_search(people.exclude(pk__in=chosen), query).only("id", "display_name", "company")
        ordered = matches.order_by(
            F("last_interaction_at").desc(nulls_last=True), Lower("display_name"), "id"
        )
        found = list(ordered[: PEOPLE_SEARCH_LIMIT + 1])
    context = {
        "people": found[:PEOPLE_SEARCH_LIMIT],
        "more": len(found) > PEOPLE_SEARCH_LIMIT,
        "query": query,
    }
    return render(request, "interactions/_people_results.html", context)


# Interactions -----------------------------------------------------------------------------------------------


def _interaction_initial(interaction: Interaction, zone: dt.tzinfo) -> dict[str, object]:
    local = interaction.occurred_at.astimezone(zone)
    return {
        "participants": list(interaction.contacts.all()),
        "occurred_on": local.date(),
        "occurred_time": local.time().replace(second=0, microsecond=0),
        "kind": interaction.kind,
        "purpose": interaction.purpose,
        "setting": interaction.setting,
        "event": interaction.event,
        "notes": interaction.notes,
    }


def _first_participant_url(people: Sequence[Contact]) -> str:
    return people[0].get_absolute_url() if people else reverse("home")


@login_required
def interaction_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log an interaction with one or more people. `?contact=<id>` (repeatable) and `?event=<id>` fill the
    form in; ids that are not the user's own are ignored."""
    user = request.user
    if request.method == "POST":
        form = InteractionForm(user, request.POST)
        if form.is_valid():
            people = form.people()
            interaction_log(
                user,
                people,
                occurred_at=form.occurred_at(),
                kind=form.cleaned_data["kind"],
                purpose=form.chosen_purpose(),
                setting=form.cleaned_data["setting"],
                event=form.cleaned_data["event"],
                notes=form.cleaned_data["notes"],
            )
            messages.success(request, "Interaction logged.")
            return redirect(next_url(request, _first_participant_url(people)))
    else:
        ids = [i for i in map(parse_id, request.GET.getlist("contact")[:50]) if i is not None]
        event_id = parse_id(request.GET.get("event"))
        event = owned(Event, user).filter(pk=event_id).first() if event_id else None
        form = InteractionForm(
            user,
            initial={
                "participants": list(owned(Contact, user).filter(pk__in=ids)),
                "occurred_on": event.start_date if event else timezone.localdate(),
                "kind": Kind.MET if event else Kind.CONVERSATION,
                "setting": event.setting if event else Setting.INFORMAL,
                "event": event,
            },
        )
    return render(request, "interactions/interaction_form.html", {"form": form, "interaction": None})


@login_required
def interaction_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    interaction = get_owned_or_404(Interaction.objects.prefetch_related("contacts"), user, pk=pk)
    initial = _interaction_initial(interaction, user.zone)
    if request.method == "POST":
        form = InteractionForm(user, request.POST, initial=initial)
        if form.is_valid():
            people = form.people()
            setting = form.cleaned_data["setting"]
            purpose = form.chosen_purpose() or interaction_default_purpose(
                [c.intention for c in people], setting
            )
            interaction_update(
                interaction,
                contacts=people,
                occurred_at=form.occurred_at(),
                kind=form.cleaned_data["kind"],
                purpose=purpose,
                setting=setting,
                event=form.cleaned_data["event"],
                notes=form.cleaned_data["notes"],
            )
            messages.success(request, "Interaction saved.")
            return redirect(next_url(request, _first_participant_url(people)))
    else:
        form = InteractionForm(user, initial=initial)
    return render(request, "interactions/interaction_form.html", {"form": form, "interaction": interaction})


@login_required
def interaction_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the interaction (the people stay)."""
    user = request.user
    interaction = get_owned_or_404(
        Interaction.objects.select_related("event").prefetch_related("contacts"), user, pk=pk
    )
    people = list(interaction.contacts.all())
    if request.method == "POST":
        interaction_delete(interaction)
        messages.success(request, "Interaction deleted.")
        return redirect(next_url(request, _first_participant_url(people)))
    return render(
        request,
        "interactions/interaction_confirm_delete.html",
        {"interaction": interaction, "people": people},
    )
