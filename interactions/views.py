from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.choices import Intention, Purpose, Setting, setting_purpose
from accounts.models import User
from accounts.ownership import get_owned_or_404, owned
from accounts.pages import next_url, parse_id, render_page, wants_partial
from contacts.forms import RelationshipForm
from contacts.models import Contact
from contacts.queries import contact_duplicates, contact_health_on
from interactions.actions import (
    interaction_default_purpose,
    interaction_delete,
    interaction_log,
    interaction_update,
)
from interactions.capture import (
    capture_claim,
    capture_claim_done,
    capture_claim_release,
    capture_events,
    capture_link,
    capture_person,
    capture_remind,
    capture_reminders,
    capture_row_update,
    capture_rows,
)
from interactions.dashboards import balance_build, dashboard_build, dashboard_log_touch
from interactions.digests import digest_send_test
from interactions.followups import (
    followup_dismiss,
    followup_done,
    followup_request,
    followup_snooze,
    followup_stop_reminders,
    followups_due,
    user_today,
)
from interactions.forms import (
    CaptureEventForm,
    CaptureRowForm,
    EventForm,
    InteractionForm,
    QuickLogForm,
    RemindForm,
    SnoozeForm,
)
from interactions.icalendar import followups_ics
from interactions.links import LinkAction, followup_link_read, unsubscribe_user
from interactions.models import Event, FollowUp, Interaction, Kind, Participation


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


# Events -----------------------------------------------------------------------------------------------------

EVENTS_PER_PAGE = 25


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = owned(Event, request.user).annotate(
        people=Count("interactions__participations__contact", distinct=True)
    )
    page = Paginator(events.order_by("-start_date", "-id"), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "interactions/event_list.html", {"page": page})


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            event = form.save(commit=False)
            event.owner = request.user
            event.save()
            messages.success(request, f"Added {event.name}.")
            return redirect(event)
    else:
        form = EventForm(initial={"start_date": timezone.localdate()})
    return render(request, "interactions/event_form.html", {"form": form, "event": None})


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_owned_or_404(Event, request.user, pk=pk)
    if request.method == "POST":
        form = EventForm(request.POST, instance=event)
        if form.is_valid():
            form.save()
            messages.success(request, f"Saved {event.name}.")
            return redirect(event)
        event.refresh_from_db()
    else:
        form = EventForm(instance=event)
    return render(request, "interactions/event_form.html", {"form": form, "event": event})


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An event and everyone met there, each with what was noted about them at the event."""
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
    return render(
        request, "interactions/event_detail.html", {"event": event, "people": list(people.values())}
    )


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
    # The open "remind me" follow-ups of the person on a saved row.
    reminders: Sequence[FollowUp] = ()

    @property
    def action(self) -> str:
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
        reminders=capture_reminders(participation),
    )


def _capture_page(
    request: HttpRequest,
    event: Event,
    *,
    new_row: CaptureRow | None = None,
    replace: CaptureRow | None = None,
) -> HttpResponse:
    user = request.user
    rows = []
    for participation in capture_rows(user, event):
        same = replace is not None and replace.participation is not None
        rows.append(
            replace
            if same and replace.participation.pk == participation.pk
            else _saved_row(user, event, participation)
        )
    context = {
        "event": event,
        "rows": rows,
        "new_row": new_row or _new_row(user, event),
        # The blank row static/js/kith.js clones for the next person; it puts a fresh key in for __key__.
        "template_row": _new_row(user, event, key="__key__"),
    }
    return render(request, "interactions/capture.html", context)


def _capture_row_response(request: HttpRequest, event: Event, row: CaptureRow) -> HttpResponse:
    """The row alone for htmx; the whole screen, with this row in place, without JavaScript."""
    if wants_partial(request):
        return render(request, "interactions/_capture_row.html", {"row": row, "event": event})
    if row.participation is not None:
        return _capture_page(request, event, replace=row)
    return _capture_page(request, event, new_row=row)


@login_required
def capture_start(request: HttpRequest) -> HttpResponse:
    """Quick capture, step one: pick today's event, or create it (name, place, setting) in one step."""
    today = timezone.localdate()
    if request.method == "POST":
        form = CaptureEventForm(request.POST)
        if form.is_valid():
            event = form.save(commit=False)
            event.owner, event.start_date = request.user, today
            event.save()
            return redirect("capture_event", pk=event.pk)
    else:
        form = CaptureEventForm()
    spanning, recent = capture_events(request.user, today)
    return render(
        request, "interactions/capture_start.html", {"form": form, "today_events": spanning, "recent": recent}
    )


@login_required
def capture_event(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick capture at one event: GET shows the rows; POST saves a new row (a new person, or a meeting
    linked to a known one)."""
    event = get_owned_or_404(Event, request.user, pk=pk)
    if request.method != "POST":
        return _capture_page(request, event)
    user = request.user
    form = _capture_form(user, event, request.POST)
    if not form.is_valid():
        key = form.data.get("row_key", "")
        key = key if form.fields["row_key"].regex.match(key) and len(key) <= 64 else uuid.uuid4().hex
        return _capture_row_response(
            request, event, CaptureRow(event=event, key=key, form=form, state="error")
        )
    data = form.cleaned_data
    key = data["row_key"] or uuid.uuid4().hex
    claim = capture_claim(user, data["row_key"])
    if not claim.mine:
        if claim.participation_id is None:
            # The first request for this row is still running; static/js/kith.js asks again shortly.
            return HttpResponse("This row is still being saved.", status=409)
        participation = get_owned_or_404(capture_rows(user, event), user, pk=claim.participation_id)
        row = _saved_row(user, event, participation)
        row.just_created = True
        return _capture_row_response(request, event, row)
    try:
        if data["link"] is not None:
            participation = capture_link(
                user, event, data["link"], context=data["context"], now=timezone.now()
            )
        else:
            duplicates = (
                []
                if data["decision"] == "new"
                else contact_duplicates(user, name=data["name"], email=data["email"])
            )
            if duplicates:
                capture_claim_release(user, data["row_key"])
                row = CaptureRow(event=event, key=key, form=form, state="ask", duplicates=duplicates)
                return _capture_row_response(request, event, row)
            participation = capture_person(
                user,
                event,
                name=data["name"],
                intention=data["intention"],
                context=data["context"],
                email=data["email"],
                phone=data["phone"],
                company=data["company"],
                now=timezone.now(),
            )
    except BaseException:
        capture_claim_release(user, data["row_key"])
        raise
    if data["remind_on"] is not None:
        capture_remind(participation, data["remind_on"], data["remind_note"])
    capture_claim_done(user, data["row_key"], participation)
    if not wants_partial(request):
        messages.success(request, f"Saved {participation.contact.display_name}.")
        return redirect(reverse("capture_event", args=[event.pk]) + "#new-row")
    participation = capture_rows(user, event).get(pk=participation.pk)
    row = _saved_row(user, event, participation)
    row.just_created = True
    return _capture_row_response(request, event, row)


@login_required
def capture_row(request: HttpRequest, pk: int) -> HttpResponse:
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
    data = form.cleaned_data
    participation = capture_row_update(
        participation,
        name=data["name"],
        intention=data["intention"],
        context=data["context"],
        email=data["email"],
        phone=data["phone"],
        company=data["company"],
    )
    if data["remind_on"] is not None:
        capture_remind(participation, data["remind_on"], data["remind_note"])
    if not wants_partial(request):
        messages.success(request, f"Saved {participation.contact.display_name}.")
        return redirect(reverse("capture_event", args=[event.pk]) + f"#row-p{participation.pk}")
    return _capture_row_response(request, event, _saved_row(user, event, participation))


# The contact page -------------------------------------------------------------------------------------------

TIMELINE_PER_PAGE = 30


def _contact_log_form(user: User, contact: Contact, data: QueryDict | None = None) -> InteractionForm:
    setting = Setting.FORMAL if contact.intention == Intention.PROFESSIONAL else Setting.INFORMAL
    initial = {"occurred_on": timezone.localdate(), "kind": Kind.CONVERSATION, "setting": setting}
    return InteractionForm(user, data, contact=contact, initial=initial)


def _contact_page(
    request: HttpRequest, contact: Contact, *, log_form: InteractionForm | None = None, logged: bool = False
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
        "logged": logged,
        "relationship": {
            "contact": contact,
            "form": RelationshipForm(instance=contact),
            "health": contact_health_on(contact, user.cadence_table(), user.zone, today),
        },
    }
    return render_page(request, "interactions/contact_detail.html", context, partial="timeline")


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_owned_or_404(
        Contact.objects.prefetch_related("tags", "emails", "phones"), request.user, pk=pk
    )
    return _contact_page(request, contact)


@login_required
def contact_log(request: HttpRequest, pk: int) -> HttpResponse:
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
def interaction_create(request: HttpRequest) -> HttpResponse:
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
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
def interaction_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
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


# Follow-ups: the Due page, the contact page's follow-ups, the digest's links and the calendar feed ----------


def _followups_answer(request: HttpRequest, followup: FollowUp, done: str) -> HttpResponse:
    """Answer a POST on a follow-up: the fragment htmx swaps in (the contact page's follow-ups or the Due
    list, as the form says), or, without JavaScript, a redirect back with a message."""
    if wants_partial(request):
        if request.POST.get("from") == "contact":
            return render(request, "interactions/_contact_followups.html", {"contact": followup.contact})
        return _due_page(request, partial=True)
    messages.success(request, done)
    return redirect(next_url(request, reverse("due")))


def _due_page(request: HttpRequest, *, partial: bool = False) -> HttpResponse:
    user = request.user
    today = user_today(user)
    context = {"groups": followups_due(user, today), "today": today}
    if partial:
        return render(request, "interactions/due.html#due-list", context)
    return render_page(request, "interactions/due.html", context, partial="due-list")


@login_required
def due(request: HttpRequest) -> HttpResponse:
    """Everything due or overdue, grouped like the digest, most overdue first."""
    return _due_page(request)


def _owned_followup(request: HttpRequest, pk: int) -> FollowUp:
    return get_owned_or_404(FollowUp.objects.select_related("contact"), request.user, pk=pk)


@login_required
def followup_snooze_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SnoozeForm(request.POST, today=user_today(request.user))
    if not followup.is_open or not form.is_valid():
        messages.error(request, "Nothing was snoozed: " + _why_not(followup, form))
        return redirect(next_url(request, reverse("due")))
    until = form.snooze_until()
    followup_snooze(followup, until)
    return _followups_answer(request, followup, f"Snoozed until {until:%A} {until.day} {until:%B}.")


@login_required
def followup_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if followup.is_open:
        followup_dismiss(followup)
    return _followups_answer(request, followup, "Dismissed.")


@login_required
def followup_done_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The "I reached out" button: closes the follow-up and logs an interaction of its purpose."""
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if followup.is_open:
        followup_done(followup)
    return _followups_answer(request, followup, f"Done: logged that you reached out to {followup.contact}.")


def _why_not(followup: FollowUp, form: forms.Form) -> str:
    if not followup.is_open:
        return f"this follow-up is {followup.get_state_display().lower()} already."
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
def followup_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact page's "remind me on <date>: <note>"."""
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RemindForm(request.POST, contact=contact, today=user_today(request.user))
    if form.is_valid():
        due_on = form.cleaned_data["due_on"]
        followup_request(contact, due_on, form.cleaned_data["note"], purpose=form.cleaned_data.get("purpose"))
        if not wants_partial(request):
            messages.success(request, f"You will be reminded on {due_on:%A} {due_on.day} {due_on:%B}.")
            return redirect(next_url(request, contact.get_absolute_url()))
        form = None
    elif not wants_partial(request):
        return render(
            request, "interactions/remind_form.html", {"contact": contact, "remind_form": form}, status=400
        )
    return render(
        request,
        "interactions/_contact_followups.html",
        {"contact": contact, "remind_form": form},
        status=200 if form is None else 400,
    )


def _link_refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "interactions/link_refused.html", {"reason": reason}, status=status)


@require_http_methods(["GET", "POST"])
def followup_link(request: HttpRequest, action: str, token: str) -> HttpResponse:
    """A one-click link of the digest: works without logging in, for the one user and follow-up it was
    signed for. GET shows one confirmation button (mail scanners open links); the POST acts."""
    try:
        link_action = LinkAction(action)
    except ValueError:
        raise Http404("No such link.") from None
    try:
        target = followup_link_read(link_action, token)
    except signing.SignatureExpired:
        return _link_refused(request, "expired", status=410)
    except signing.BadSignature:
        return _link_refused(request, "invalid", status=400)
    if request.user.is_authenticated and request.user.pk != target.user_id:
        return _link_refused(request, "other_user", status=403)
    followup = (
        FollowUp.objects.select_related("contact", "owner")
        .filter(pk=target.followup_id, owner_id=target.user_id)
        .first()
    )
    if followup is None:
        return _link_refused(request, "gone", status=404)
    today = user_today(followup.owner)
    context: dict[str, object] = {
        "followup": followup,
        "contact": followup.contact,
        "action": link_action.value,
    }
    closed = not followup.is_open and link_action != LinkAction.STOP
    if request.method == "GET" or closed:
        return render(request, "interactions/followup_link.html", {**context, "closed": closed})
    if link_action == LinkAction.DONE:
        followup_done(followup)
        context["result"] = f"Done. Kith logged that you reached out to {followup.contact}."
    elif link_action == LinkAction.SNOOZE:
        form = SnoozeForm(request.POST, today=today)
        if not form.is_valid():
            context["form_errors"] = _why_not(followup, form)
            return render(request, "interactions/followup_link.html", context, status=400)
        until = form.snooze_until()
        followup_snooze(followup, until)
        context["result"] = f"Snoozed until {until:%A} {until.day} {until:%B}. Kith will remind you then."
    else:
        followup_stop_reminders(followup)
        context["result"] = f"Kith will not remind you about {followup.contact} any more."
    return render(request, "interactions/followup_link.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The digest's List-Unsubscribe address. A mail client's one-click POST (RFC 8058) carries no CSRF
    token and no session, so this one view is exempt from CSRF: the token bound to the user's secret is the
    proof. It never expires; renewing the secret (changing the digest setting) retires it. A browser's GET
    shows a button that POSTs here."""
    user = unsubscribe_user(token)
    if user is None:
        return _link_refused(request, "unsubscribe", status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return _link_refused(request, "other_user", status=403)
    if request.method == "POST":
        user.digests_turn_off()
        return render(request, "interactions/unsubscribe.html", {"done": True})
    return render(request, "interactions/unsubscribe.html", {"done": False})


@login_required
@require_POST
def digest_test(request: HttpRequest) -> HttpResponse:
    """Settings' "send me a test digest": today's digest, marked as a test, now."""
    user = request.user
    if not user.reminder_address:
        messages.error(request, "Add a reminder email address first: the test digest needs somewhere to go.")
        return redirect("settings")
    try:
        count = digest_send_test(user)
    except Exception as error:  # Whatever the mail server said, the user needs to see it.
        messages.error(request, f"The test digest could not be sent: {error}")
    else:
        listed = f"{count} follow-up{'' if count == 1 else 's'}" if count else "nothing due today"
        messages.success(request, f"A test digest ({listed}) is on its way to {user.reminder_address}.")
    return redirect("settings")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed; the token in the address is the only key, and renewing it in settings
    revokes the old address."""
    user = User.objects.filter(calendar_token=token).first() if token else None
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(followups_ics(user, timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


# Dashboards -------------------------------------------------------------------------------------------------


def _dashboard_page(request: HttpRequest, purpose: str) -> HttpResponse:
    user = request.user
    today = user_today(user)
    dashboard = dashboard_build(user, purpose, today, timezone.now())
    context = {"dashboard": dashboard, "today": today}
    return render_page(request, "interactions/dashboard.html", context, partial="dashboard-body")


@login_required
def friendships(request: HttpRequest) -> HttpResponse:
    """The Friendships dashboard: personal and `both` contacts, personal interactions."""
    return _dashboard_page(request, Purpose.PERSONAL)


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """The Network dashboard: professional and `both` contacts, professional interactions."""
    return _dashboard_page(request, Purpose.PROFESSIONAL)


@login_required
def balance(request: HttpRequest) -> HttpResponse:
    """How interactions split between personal and professional, per month and per tag."""
    context = {"balance": balance_build(request.user, user_today(request.user))}
    return render_page(request, "interactions/balance.html", context, partial="balance-body")


@login_required
def dashboard_log(request: HttpRequest, pk: int) -> HttpResponse:
    """A dashboard's one-click "log": an interaction of the chosen purpose with this contact, now."""
    # Ownership before the method: another user's id is a 404 whatever the method.
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = QuickLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was logged: choose personal or professional.")
        return redirect(next_url(request, reverse("home")))
    purpose = form.cleaned_data["purpose"]
    dashboard_log_touch(request.user, contact, purpose, now=timezone.now())
    messages.success(request, f"Logged a {Purpose(purpose).label.lower()} interaction with {contact}.")
    return redirect(next_url(request, reverse("friendships" if purpose == Purpose.PERSONAL else "network")))
