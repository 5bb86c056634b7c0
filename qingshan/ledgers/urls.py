"""URLs of 台账."""
from django.urls import path

from . import views

app_name = "ledgers"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("exports/<int:pk>/", views.export_job_view, name="export_job"),
    path("exports/<int:pk>/download/", views.export_download_view, name="export_download"),
    path("<slug:code>/", views.ledger_view, name="ledger"),
    path("<slug:code>/export/", views.export_view, name="export"),
    path("<slug:code>/<int:pk>/", views.entry_view, name="entry"),
]
