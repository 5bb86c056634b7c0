"""/api/: every app's API (its `<app>/api.py` declares `urlpatterns`, found by the plug-in registry), the token
authentication they share, and one OpenAPI schema with its offline docs."""
from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from qingshan.core.registry import plugins

app_name = "api"

urlpatterns = [
    *(pattern for module in plugins("api") for pattern in getattr(module, "urlpatterns", ())),
    # The description of every endpoint is for signed-in users and integrations only (SERVE_PERMISSIONS in the
    # settings); the docs pages send an anonymous browser to the login page.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", login_required(SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")),
         name="redoc"),
]
