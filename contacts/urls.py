from django.urls import path

from contacts import views

# The contact page itself (/contacts/<pk>/, name contact_detail) shows interactions, so the interactions app
# serves it; these are the pages about contacts alone.
urlpatterns = [
    path("", views.contact_list, name="contact_list"),
    path("bulk/", views.contacts_bulk, name="contacts_bulk"),
    path("duplicates/", views.contact_duplicates_view, name="contact_duplicates"),
    path("<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/relationship/", views.contact_relationship, name="contact_relationship"),
    path("<int:pk>/archive/", views.contact_archive_view, name="contact_archive"),
    path("<int:pk>/delete/", views.contact_delete_view, name="contact_delete"),
]
