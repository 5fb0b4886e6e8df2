from django.contrib import admin
from django.urls import include, path

from config import health, pwa

urlpatterns = [
    path("", include("interactions.urls")),
    path("", include("followups.urls")),
    path("", include("dashboards.urls")),
    path("contacts/", include("contacts.urls")),
    path("", include("contacts.card_urls")),
    path("transfer/", include("transfer.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("api.urls")),
    path("", include("dav.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    # The installable app, served from the root so the service worker's scope is every page (config/pwa.py).
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
]
