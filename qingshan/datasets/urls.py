"""URLs of 数据集."""
from django.urls import path

from . import api, views

app_name = "datasets"
urlpatterns = [
    path("", views.dataset_list_view, name="list"),
    path("seals/", views.seals_view, name="seals"),
    path("batches/<int:pk>/", views.batch_view, name="batch"),
    path("batches/<int:pk>/report.txt", views.batch_report_view, name="batch_report"),
    path("api/batches/<int:pk>/", api.BatchStatusAPIView.as_view(), name="api_batch"),
    path("api/<str:code>/batches/", api.BatchCreateAPIView.as_view(), name="api_import"),
    path("<str:code>/", views.dataset_detail_view, name="detail"),
    path("<str:code>/import/", views.import_view, name="import"),
    path("<str:code>/template.xlsx", views.template_view, name="template"),
    path("<str:code>/shares/", views.share_view, name="share"),
    path("<str:code>/reveal/", views.reveal_view, name="reveal"),
    path("<str:code>/shares/<int:share_id>/revoke/", views.unshare_view, name="unshare"),
]
