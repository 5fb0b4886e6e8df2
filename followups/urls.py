from django.urls import path

from followups import views

# The paths predate this app (they were the interactions app's): emailed links and calendar subscriptions
# already carry them, so they never change.
urlpatterns = [
    path("due/", views.due, name="due"),
    path("followups/<int:pk>/snooze/", views.followup_snooze_view, name="followup_snooze"),
    path("followups/<int:pk>/dismiss/", views.followup_dismiss_view, name="followup_dismiss"),
    path("followups/<int:pk>/done/", views.followup_done_view, name="followup_done"),
    path("contacts/<int:pk>/remind/", views.followup_request_view, name="followup_request"),
    # The digest's signed links (no login needed), the one-click unsubscribe, the private calendar feed and
    # settings' test digest.
    path("email/<str:action>/<str:token>/", views.followup_link, name="followup_link"),
    path("unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest_unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("digests/test/", views.digest_test, name="digest_test"),
]
