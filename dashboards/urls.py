from django.urls import path

from dashboards import views

urlpatterns = [
    # Friendships (personal), Network (professional), the balance between them, and their one-click "log".
    path("friendships/", views.friendships, name="friendships"),
    path("network/", views.network, name="network"),
    path("balance/", views.balance, name="balance"),
    # Which events were worth it: events compared by their cohorts, beside the events list.
    path("events/compare/", views.event_compare, name="event_compare"),
    path("dashboards/log/<int:pk>/", views.dashboard_log, name="dashboard_log"),
]
