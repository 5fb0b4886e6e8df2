"""Django's admin site behind two-factor login.

Only staff whose session passed the second factor reach the admin (django-otp's `is_verified()`), so staff
must turn two-factor login on first, and a session that logged in with the password alone (before two-factor
login was turned on, say) is not enough. The admin has no login form of its own: its login URL sends the
visitor to Kith's, which asks for the password, then the code, and is rate limited.

Installed in place of "django.contrib.admin" (INSTALLED_APPS), Django's documented way to replace the default
site: every `admin.register` then registers with this one. This module is imported while the app registry is
still loading, so it imports nothing that needs models at the top.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse


class KithAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.KithAdminSite"


class KithAdminSite(AdminSite):
    site_header = "Kith administration"
    site_title = "Kith admin"

    def has_permission(self, request: HttpRequest) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and callable(is_verified) and bool(is_verified())

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from django.contrib.auth.views import LoginView, redirect_to_login

        from accounts.twofactor import two_factor_enabled

        next_url = LoginView().get_redirect_url(request) or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, reverse("login"))
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        # Logged in, but not allowed in: say why, and what would let them in.
        user = request.user
        context = {"staff": user.is_active and user.is_staff, "enabled": two_factor_enabled(user)}
        return render(request, "accounts/two_factor_admin.html", context, status=403)
