from django.urls import path, re_path

from dav import pages, views

# The DAV paths take a trailing slash or none: clients differ, and a redirect would lose a PROPFIND's body.
urlpatterns = [
    path(".well-known/carddav", views.well_known, name="dav_well_known"),
    re_path(r"^dav/?$", views.dav, name="dav_root"),
    re_path(r"^dav/(?P<username>[^/]+)/?$", views.dav, name="dav_principal"),
    re_path(r"^dav/(?P<username>[^/]+)/(?P<book>[^/]+)/?$", views.dav, name="dav_book"),
    re_path(r"^dav/(?P<username>[^/]+)/(?P<book>[^/]+)/(?P<name>[^/]+)$", views.dav, name="dav_card"),
    path("settings/phone-sync/", pages.phone_sync, name="phone_sync"),
]
