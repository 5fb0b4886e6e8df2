from django.urls import path

from interactions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("more/", views.more, name="more"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    # Quick capture: pick or create today's event, then one row per person met there.
    path("capture/", views.capture_start, name="capture"),
    path("capture/<int:pk>/", views.capture_event, name="capture_event"),
    path("capture/rows/<int:pk>/", views.capture_row, name="capture_row"),
    # An event started offline: its page, kept by the service worker, and its rows, sent by its client key.
    path("capture/offline/", views.capture_offline, name="capture_offline"),
    path("capture/key/<slug:client_key>/", views.capture_keyed, name="capture_keyed"),
    # The contact page shows interactions, so it is served here; config/urls.py includes these patterns
    # before contacts.urls, which holds the pages about contacts alone under the same prefix.
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/log/", views.contact_log, name="contact_log"),
    # The people picker's search box, an htmx fragment ("also with" on the contact page, "with" elsewhere).
    path("people/search/", views.people_search, name="people_search"),
    path("interactions/new/", views.interaction_create, name="interaction_create"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete_view, name="interaction_delete"),
]
