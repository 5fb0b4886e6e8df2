from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.confirmations import addresses_changed, addresses_status
from accounts.deletion import account_deletion_request
from accounts.display import date_style_suggest
from accounts.forms import DeleteAccountForm, LoginForm, PasswordResetForm, SettingsForm, SignupForm
from accounts.models import User
from accounts.pages import AuthenticatedHttpRequest
from accounts.ratelimit import client_ip, password_reset_limit
from accounts.security_views import confirmations_queue
from accounts.tasks import delete_account, send_password_reset
from accounts.twofactor import login_pending_start, two_factor_enabled


class _LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, LoginForm) and form.rate_limited:
            response.status_code = 429
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        # With two-factor login on, the right password only leads to the code step (accounts.twofactor):
        # nobody is logged in until the code is right.
        user = form.get_user()
        if two_factor_enabled(user):
            login_pending_start(self.request, user, self.get_redirect_url())
            return redirect("login_code")
        return super().form_valid(form)


# Django's login view (redirect to ?next=, CSRF, never cached), with the rate-limited form.
login = _LoginView.as_view()


def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's password reset form, rate limited per email address and per client address.

    Whether the address belongs to an account changes nothing the visitor sees, not even the time the answer
    takes: every accepted request counts towards the same limit, queues the same task (which looks the
    address up and sends the email, accounts.tasks) and redirects to the same page.
    """
    status = 200
    if request.method == "POST":
        form = PasswordResetForm(request.POST)
        if form.is_valid():
            limit = password_reset_limit()
            keys = [f"email:{form.cleaned_data['email'].casefold()}", f"ip:{client_ip(request)}"]
            if not limit.claim(*keys):
                form.add_error(
                    None,
                    f"Too many password reset requests. Wait {limit.wait_text()} and try again; "
                    "a link sent earlier still works.",
                )
                status = 429
            else:
                # The link is built from SITE_URL rather than from this request's Host header, so it is the
                # public address even when a proxy rewrites the host, and the same when a worker sends it.
                site = urlsplit(settings.SITE_URL)
                queue = partial(
                    send_password_reset.delay, form.cleaned_data["email"], site.netloc, site.scheme == "https"
                )
                transaction.on_commit(queue)
                return redirect("password_reset_done")
    else:
        form = PasswordResetForm()
    return render(request, "registration/password_reset_form.html", {"form": form}, status=status)


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.ALLOW_SIGNUP:
        # A clear page rather than a bare 404, but still a 404: there is no sign-up here to find.
        return render(request, "accounts/signup.html", {"closed": True}, status=404)
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                user = form.save()
                requested = addresses_changed(user)
                auth_login(request, user)
            messages.success(request, "Welcome to Kith. Your account is ready.")
            confirmations_queue(request, requested)
            return redirect(settings.LOGIN_REDIRECT_URL)
    else:
        form = SignupForm(
            initial={"date_style": date_style_suggest(request.headers.get("Accept-Language", ""))}
        )
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def settings_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The form works on a fresh copy of the user: validating a ModelForm writes the posted values onto its
    # instance, and request.user (whose time zone the middleware already uses) must not carry rejected ones.
    user = User.objects.get(pk=request.user.pk)
    if request.method == "POST":
        form = SettingsForm(request.POST, instance=user)
        if form.is_valid():
            # One transaction: the follow-ups re-planned for a new time zone or cadence (settings_changed)
            # are saved with the settings or not at all.
            with transaction.atomic():
                form.instance.settings_save(form.changed_data)
                # A new reminder address is unconfirmed until its link is opened (accounts.confirmations).
                requested = addresses_changed(form.instance)
            messages.success(request, "Settings saved.")
            confirmations_queue(request, requested)
            return redirect("settings")
    else:
        form = SettingsForm(instance=user)
    # The feed's page lives in interactions; accounts only knows its URL name.
    calendar_url = settings.SITE_URL + reverse("calendar_feed", kwargs={"token": request.user.calendar_token})
    context = {"form": form, "calendar_url": calendar_url, "addresses": addresses_status(request.user)}
    return render(request, "accounts/settings.html", context)


@login_required
@require_POST
def calendar_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings' "make a new link" for the calendar feed: the old address stops working at once."""
    request.user.calendar_token_renew()
    messages.success(request, "Your calendar feed has a new address; the old one no longer works.")
    return redirect("settings")


@login_required
@sensitive_post_parameters("password")
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the account to be deleted (accounts.deletion): it is shut at once, every session logged out,
    and the worker deletes the user and, through the owners' CASCADE keys, everything they own."""
    if request.method == "POST":
        form = DeleteAccountForm(request.user, request.POST, request=request)
        if form.is_valid():
            # Only marked and shut here: deleting a large account takes longer than a request may live. A
            # broker that cannot take the task fails nothing (robust): the beat sweep queues it again.
            with transaction.atomic():
                account_deletion_request(request.user)
                transaction.on_commit(partial(delete_account.delay, request.user.pk), robust=True)
            auth_logout(request)
            # Added after logout, which empties the session: the message travels in the messages cookie.
            messages.success(request, "Your account and everything in it are being deleted.")
            return redirect("login")
        refused = form.has_error("password", "rate_limited")
        return render(request, "accounts/delete.html", {"form": form}, status=429 if refused else 200)
    form = DeleteAccountForm(request.user)
    return render(request, "accounts/delete.html", {"form": form})
