"""The user's own card: shown as a QR code at /card/, kept in settings at /settings/card/."""

from django.urls import path

from contacts import views

urlpatterns = [
    path("card/", views.my_card, name="my_card"),
    path("settings/card/", views.my_card_edit, name="my_card_edit"),
]
