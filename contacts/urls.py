from django.urls import path

from contacts import views

urlpatterns = [
    path("<int:pk>/", views.contact_detail, name="contact_detail"),
]
