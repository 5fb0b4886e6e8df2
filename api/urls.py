from django.urls import path

from api import views
from api.api import api

urlpatterns = [
    path("api/docs/", views.docs, name="api_docs"),
    path("api/", api.urls),
    path("settings/tokens/", views.tokens, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke_view, name="api_token_revoke"),
]
