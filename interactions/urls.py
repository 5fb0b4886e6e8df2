from django.urls import path

from interactions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
]
