from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("kpi/", views.kpi_view, name="kpi"),
    path("kpi/export.xlsx", views.kpi_export_view, name="kpi_export"),
]
