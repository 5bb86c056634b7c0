"""/api/: every app's API (its `<app>/api.py` declares `urlpatterns`, found by the plug-in registry), the token
authentication they share, and one OpenAPI schema with its offline docs."""
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from qingshan.core.registry import plugins

app_name = "api"

urlpatterns = [
    *(pattern for module in plugins("api") for pattern in getattr(module, "urlpatterns", ())),
    # The description of every endpoint is for signed-in users and integrations only (SERVE_PERMISSIONS in the
    # settings); the docs pages send an anonymous browser to the login page.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script as a file of its own (the split view), so the page needs no inline script.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html")), name="docs"),
    # ReDoc writes its styles into <style> elements at run time: the one page allowed inline styles (and its search
    # worker from a blob), with no user data on it.
    path("redoc/", login_required(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"))), name="redoc"),
]
