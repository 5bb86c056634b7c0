"""/api/: the problems API, attachment downloads, the inbox, and the OpenAPI schema with its offline docs."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .views import AttachmentDownloadView, InboxView, ProblemViewSet

app_name = "api"

router = SimpleRouter()
router.register("problems", ProblemViewSet, basename="problem")

urlpatterns = [
    *router.urls,
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
    path("inbox/", InboxView.as_view(), name="inbox"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
]
