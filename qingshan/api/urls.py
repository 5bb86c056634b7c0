"""/api/: every app's API (its `<app>/api.py` declares `urlpatterns`, found by the plug-in registry), the token
authentication they share, and one OpenAPI schema with its offline docs."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from qingshan.core.registry import plugins

app_name = "api"

urlpatterns = [
    *(pattern for module in plugins("api") for pattern in getattr(module, "urlpatterns", ())),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
]
