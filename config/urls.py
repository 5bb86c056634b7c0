"""URL configuration: the web UI, the REST API with its OpenAPI schema, and the admin."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from qingshan.core.health import healthz_view
from qingshan.core.metrics import metrics_view
from qingshan.problems.views import inbox_view

admin.site.site_header = "青山 · 系统管理"
admin.site.site_title = "青山"

handler404 = "qingshan.core.views.page_not_found"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="inbox", permanent=False)),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/", inbox_view, name="inbox"),
    path("problems/", include("qingshan.problems.urls")),
    path("supervision/", include("qingshan.supervision.urls")),
    path("reminders/", include("qingshan.reminders.urls")),
    path("ledgers/", include("qingshan.ledgers.urls")),
    path("datasets/", include("qingshan.datasets.urls")),
    path("datacheck/", include("qingshan.datacheck.urls")),
    path("intake/", include("qingshan.intake.urls")),
    path("open311/v2/", include("qingshan.intake.urls_open311")),
    path("collaboration/", include("qingshan.collaboration.urls")),
    path("instruments/", include("qingshan.instruments.urls")),
    path("rectification/", include("qingshan.rectification.urls")),
    path("clues/", include("qingshan.clues.urls")),
    path("dashboards/", include("qingshan.dashboards.urls")),
    path("api/", include("qingshan.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz_view, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
]
