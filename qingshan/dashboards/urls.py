from django.urls import path

from . import views
from .analysis import views as analysis_views

app_name = "dashboards"
urlpatterns = [
    path("kpi/", views.kpi_view, name="kpi"),
    path("kpi/export.xlsx", views.kpi_export_view, name="kpi_export"),
    path("overview/", views.overview_view, name="overview"),
    path("overview/boundaries.json", views.overview_boundaries_view, name="overview_boundaries"),
    path("overview/export.xlsx", views.overview_export_view, name="overview_export"),
    # 一键分析 and the unit 体检报告 (issue 13, part A)
    path("analysis/", analysis_views.analysis_view, name="analysis"),
    path("analysis/report/", analysis_views.analysis_report_view, name="analysis_report"),
    path("units/", analysis_views.unit_list_view, name="units"),
    path("units/<int:pk>/health/", analysis_views.unit_health_view, name="unit_health"),
    path("units/<int:pk>/health/report/", analysis_views.unit_health_report_view, name="unit_health_report"),
    path("reports/<int:pk>/", analysis_views.report_job_view, name="report_job"),
    path("reports/<int:pk>/file.docx", analysis_views.report_file_view, name="report_file"),
]
