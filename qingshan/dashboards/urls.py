from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("kpi/", views.kpi_view, name="kpi"),
    path("kpi/export.xlsx", views.kpi_export_view, name="kpi_export"),
    path("overview/", views.overview_view, name="overview"),
    path("overview/boundaries.json", views.overview_boundaries_view, name="overview_boundaries"),
    path("overview/export.xlsx", views.overview_export_view, name="overview_export"),
]
