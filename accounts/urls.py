from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import security_views, twofactor_views, views
from accounts.forms import PasswordChangeForm, SetPasswordForm

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/code/", twofactor_views.login_code, name="login_code"),
    # Django's LogoutView only accepts POST, so a link or a prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/calendar/renew/", views.calendar_renew, name="calendar_renew"),
    path("delete/", views.account_delete, name="account_delete"),
    path("confirm/<str:token>/", security_views.address_confirm_view, name="address_confirm"),
    path(
        "settings/address/send/",
        security_views.address_confirmation_send,
        name="address_confirmation_send",
    ),
    path("security/", security_views.security, name="security"),
    path("security/logout-everywhere/", security_views.logout_everywhere, name="logout_everywhere"),
    path("two-factor/", twofactor_views.two_factor, name="two_factor"),
    path("two-factor/set-up/", twofactor_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", twofactor_views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/turn-off/", twofactor_views.two_factor_off, name="two_factor_off"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
