from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

login = auth_views.LoginView.as_view()
password_reset = auth_views.PasswordResetView.as_view()


def signup(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup.html")


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html")
