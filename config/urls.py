from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("", include("interactions.urls")),
    path("", include("followups.urls")),
    path("", include("dashboards.urls")),
    path("contacts/", include("contacts.urls")),
    path("transfer/", include("transfer.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
]
