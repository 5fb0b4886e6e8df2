"""The dashboards' pages: Friendships, Network, the balance between them, their one-click "log", and the
Events page comparing events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Purpose
from accounts.ownership import get_owned_or_404
from accounts.pages import AuthenticatedHttpRequest, next_url, render_page
from contacts.models import Contact
from dashboards.balance import balance_build
from dashboards.dashboards import dashboard_build, dashboard_log_touch
from dashboards.events import events_compare
from dashboards.forms import QuickLogForm
from followups.engine import user_today


def _dashboard_page(request: AuthenticatedHttpRequest, purpose: str) -> HttpResponse:
    user = request.user
    today = user_today(user)
    dashboard = dashboard_build(user, purpose, today, timezone.now())
    context = {"dashboard": dashboard, "today": today}
    return render_page(request, "dashboards/dashboard.html", context, partial="dashboard-body")


@login_required
def friendships(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Friendships dashboard: personal and `both` contacts, personal interactions."""
    return _dashboard_page(request, Purpose.PERSONAL)


@login_required
def network(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Network dashboard: professional and `both` contacts, professional interactions."""
    return _dashboard_page(request, Purpose.PROFESSIONAL)


@login_required
def balance(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How interactions split between personal and professional, per month and per tag."""
    context = {"balance": balance_build(request.user, user_today(request.user))}
    return render_page(request, "dashboards/balance.html", context, partial="balance-body")


@login_required
def dashboard_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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


@login_required
def event_compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which events were worth it: events compared by what came of meeting people there, per group."""
    context = {"groups": events_compare(request.user, user_today(request.user))}
    return render_page(request, "dashboards/events.html", context)
