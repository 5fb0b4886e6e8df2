"""Follow-up pages: the Due page, the buttons on it and on the contact page, "remind me", the digest's
one-click links (no login needed), the one-click unsubscribe, the test digest and the private calendar
feed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.display import date_style_override, day_format
from accounts.models import User
from accounts.ownership import get_owned_or_404
from accounts.pages import AuthenticatedHttpRequest, next_url, render_page, wants_partial
from contacts.models import Contact
from followups.digests import digest_send_test
from followups.engine import (
    followup_dismiss,
    followup_done,
    followup_request,
    followup_snooze,
    followup_stop_reminders,
    followups_due,
    user_today,
)
from followups.forms import RemindForm, SnoozeForm
from followups.icalendar import followups_ics
from followups.links import LinkAction, followup_link_read, unsubscribe_user
from followups.models import FollowUp


def _followups_answer(
    request: AuthenticatedHttpRequest, followup: FollowUp, said: str, *, refused: bool = False
) -> HttpResponse:
    """Answer a POST on a follow-up, done or `refused`: the fragment htmx swaps in (the contact page's
    follow-ups or the Due list, as the form's `from` says) saying so at once, or a redirect back with a
    message."""
    origin = request.POST.get("from")
    if wants_partial(request) and origin == "contact":
        contact = followup.contact
        # A refusal is said in the card; what was done shows in the card itself.
        refusal = said if refused else ""
        context = {"contact": contact, "upcoming": contact.followups.upcoming(), "refused": refusal}
        return render(request, "followups/_contact_followups.html", context)
    if wants_partial(request) and origin == "due":
        return _due_page(request, partial=True, status=said, refused=refused)
    # Without JavaScript, or from a dashboard (whose htmx follows the redirect and swaps the fresh dashboard
    # in, the message with it).
    if refused:
        messages.error(request, said)
    else:
        messages.success(request, said)
    return redirect(next_url(request, reverse("due")))


def _due_page(
    request: AuthenticatedHttpRequest, *, partial: bool = False, status: str = "", refused: bool = False
) -> HttpResponse:
    user = request.user
    today = user_today(user)
    context = {"groups": followups_due(user, today), "today": today, "status": status, "refused": refused}
    if partial:
        return render(request, "followups/due.html#due-list", context)
    return render_page(request, "followups/due.html", context, partial="due-list")


@login_required
def due(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything due or overdue, grouped like the digest, most overdue first."""
    return _due_page(request)


def _owned_followup(request: AuthenticatedHttpRequest, pk: int) -> FollowUp:
    return get_owned_or_404(FollowUp.objects.select_related("contact"), request.user, pk=pk)


@login_required
def followup_snooze_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SnoozeForm(request.POST, today=user_today(request.user))
    if not followup.is_open or not form.is_valid():
        why = _why_not(followup, form)
        return _followups_answer(request, followup, f"Nothing was snoozed: {why}", refused=True)
    until = form.snooze_until()
    followup_snooze(followup, until)
    return _followups_answer(request, followup, f"Snoozed until {day_format(until, 'day_weekday')}.")


@login_required
def followup_dismiss_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not followup.is_open:
        why = _closed_already(followup)
        return _followups_answer(request, followup, f"Nothing was dismissed: {why}", refused=True)
    followup_dismiss(followup)
    return _followups_answer(request, followup, "Dismissed.")


@login_required
def followup_done_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The "I reached out" button: closes the follow-up and logs an interaction of its purpose."""
    # Ownership before the method: another user's id is a 404 whatever the method.
    followup = _owned_followup(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not followup.is_open:
        # Closed in another tab or from the digest: nothing is logged, and the user is told so.
        why = _closed_already(followup)
        return _followups_answer(request, followup, f"Nothing was logged: {why}", refused=True)
    followup_done(followup)
    return _followups_answer(request, followup, f"Done: logged that you reached out to {followup.contact}.")


def _closed_already(followup: FollowUp) -> str:
    return f"this follow-up is {followup.get_state_display().lower()} already."


def _why_not(followup: FollowUp, form: forms.Form) -> str:
    if not followup.is_open:
        return _closed_already(followup)
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
def followup_request_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The contact page's "remind me on <date>: <note>"."""
    contact = get_owned_or_404(Contact, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RemindForm(request.POST, contact=contact, today=user_today(request.user))
    saved = form.is_valid()
    if saved:
        due_on = form.cleaned_data["due_on"]
        followup_request(contact, due_on, form.cleaned_data["note"], purpose=form.cleaned_data.get("purpose"))
        if not wants_partial(request):
            messages.success(request, f"You will be reminded on {day_format(due_on, 'day_weekday')}.")
            return redirect(next_url(request, contact.get_absolute_url()))
    # Once saved the fragment draws the form empty; a rejected one comes back as typed, with its errors.
    context = {
        "contact": contact,
        "upcoming": contact.followups.upcoming(),
        "remind_form": None if saved else form,
    }
    if wants_partial(request):
        # A 200 even when rejected, as the contact page's other forms answer: htmx swaps no 4xx answer, and
        # the user would see nothing happen.
        return render(request, "followups/_contact_followups.html", context)
    return render(request, "followups/remind_form.html", context, status=400)


def _link_refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "followups/link_refused.html", {"reason": reason}, status=status)


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
    # An account shut for deletion (accounts.deletion) answers its links as gone, as it will be.
    followup = (
        FollowUp.objects.select_related("contact", "owner")
        .filter(pk=target.followup_id, owner_id=target.user_id, owner__is_active=True)
        .first()
    )
    if followup is None:
        return _link_refused(request, "gone", status=404)
    # The page speaks to the follow-up's owner, who need not be logged in: days in their date style.
    with date_style_override(followup.owner.date_style):
        today = user_today(followup.owner)
        context: dict[str, object] = {
            "followup": followup,
            "contact": followup.contact,
            "action": link_action.value,
        }
        closed = not followup.is_open and link_action != LinkAction.STOP
        if request.method == "GET" or closed:
            return render(request, "followups/followup_link.html", {**context, "closed": closed})
        if link_action == LinkAction.DONE:
            followup_done(followup)
            context["result"] = f"Done. Kith logged that you reached out to {followup.contact}."
        elif link_action == LinkAction.SNOOZE:
            form = SnoozeForm(request.POST, today=today)
            if not form.is_valid():
                context["form_errors"] = _why_not(followup, form)
                return render(request, "followups/followup_link.html", context, status=400)
            until = form.snooze_until()
            followup_snooze(followup, until)
            context["result"] = (
                f"Snoozed until {day_format(until, 'day_weekday')}. Kith will remind you then."
            )
        else:
            followup_stop_reminders(followup)
            context["result"] = f"Kith will not remind you about {followup.contact} any more."
        return render(request, "followups/followup_link.html", context)


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
        return render(request, "followups/unsubscribe.html", {"done": True})
    return render(request, "followups/unsubscribe.html", {"done": False})


@login_required
@require_POST
def digest_test(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings' "send me a test digest": today's digest, marked as a test, now; only to a confirmed
    address, and only so often (followups.digests.digest_send_test)."""
    try:
        result = digest_send_test(request.user)
    except Exception as error:  # Whatever the mail server said, the user needs to see it.
        messages.error(request, f"The test digest could not be sent: {error}")
        return redirect("settings")
    if result.refused == "no address":
        messages.error(request, "Add a reminder email address first: the test digest needs somewhere to go.")
    elif result.refused == "unconfirmed":
        messages.error(
            request,
            f"No test digest was sent: {result.address} is not confirmed yet. Open the link Kith sent to it, "
            "or send the link again from Email addresses below.",
        )
    elif result.refused == "rate limited":
        messages.error(
            request, f"No test digest was sent: you asked for several already. Wait {result.wait}."
        )
    else:
        count = result.count
        listed = f"{count} follow-up{'' if count == 1 else 's'}" if count else "nothing due today"
        messages.success(request, f"A test digest ({listed}) is on its way to {result.address}.")
    return redirect("settings")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed; the token in the address is the only key, and renewing it in settings
    revokes the old address. An account being deleted (or otherwise shut) has no feed."""
    user = User.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(followups_ics(user, timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
