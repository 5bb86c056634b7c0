"""URLs of 数据比对模型: pages, and the API under /datacheck/api/."""
from django.urls import path

from . import api, views

app_name = "datacheck"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("models/new/", views.model_create_view, name="model_create"),
    path("models/<int:pk>/", views.model_detail_view, name="model"),
    path("models/<int:pk>/do/<str:action>/", views.model_action_view, name="model_action"),
    path("runs/<int:pk>/", views.run_detail_view, name="run"),
    path("triage/", views.triage_view, name="triage"),
    path("hits/<int:pk>/", views.hit_detail_view, name="hit"),
    path("hits/<int:pk>/do/<str:action>/", views.hit_action_view, name="hit_action"),
    path("hits/<int:pk>/reveal/", views.hit_reveal_view, name="hit_reveal"),
    path("hits/<int:pk>/evidence/", views.hit_evidence_package_view, name="hit_evidence_package"),
    path("evidence/<int:pk>/", views.evidence_export_view, name="evidence_export"),
    path("evidence/<int:pk>/download/", views.evidence_download_view, name="evidence_download"),
    path("waste/<str:producer_code>/", views.waste_dossier_view, name="waste_dossier"),
    path("api/models/<int:pk>/runs/", api.RunStartView.as_view(), name="api_run_start"),
    path("api/runs/<int:pk>/", api.RunStatusView.as_view(), name="api_run"),
    path("api/hits/", api.HitListView.as_view(), name="api_hits"),
]
