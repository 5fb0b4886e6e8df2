from django.urls import path

from interactions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    # Quick capture: pick or create today's event, then one row per person met there.
    path("capture/", views.capture_start, name="capture"),
    path("capture/<int:pk>/", views.capture_event, name="capture_event"),
    path("capture/rows/<int:pk>/", views.capture_row, name="capture_row"),
    # The contact page shows interactions, so it is served here; config/urls.py includes these patterns
    # before contacts.urls, which holds the pages about contacts alone under the same prefix.
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/log/", views.contact_log, name="contact_log"),
    path("interactions/new/", views.interaction_create, name="interaction_create"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete_view, name="interaction_delete"),
    # Follow-ups: the Due page, the buttons on it and on the contact page, the digest's signed links (no
    # login needed), the one-click unsubscribe, the private calendar feed and settings' test digest.
    path("due/", views.due, name="due"),
    path("followups/<int:pk>/snooze/", views.followup_snooze_view, name="followup_snooze"),
    path("followups/<int:pk>/dismiss/", views.followup_dismiss_view, name="followup_dismiss"),
    path("followups/<int:pk>/done/", views.followup_done_view, name="followup_done"),
    path("contacts/<int:pk>/remind/", views.followup_request_view, name="followup_request"),
    path("email/<str:action>/<str:token>/", views.followup_link, name="followup_link"),
    path("unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest_unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("digests/test/", views.digest_test, name="digest_test"),
    # Dashboards: Friendships (personal), Network (professional), the balance between them, and their
    # one-click "log".
    path("friendships/", views.friendships, name="friendships"),
    path("network/", views.network, name="network"),
    path("balance/", views.balance, name="balance"),
    path("dashboards/log/<int:pk>/", views.dashboard_log, name="dashboard_log"),
]
