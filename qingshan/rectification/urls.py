from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.campaign_list_view, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail_view, name="campaign"),
    path("campaigns/<int:pk>/raise-entry/", views.raise_from_entry_view, name="raise_entry"),
    path("findings/<int:pk>/raise/", views.raise_from_finding_view, name="raise_from_finding"),
    path("campaigns/<int:pk>/import/", views.import_view, name="import"),
    path("imports/<int:pk>/", views.import_job_view, name="import_job"),
    path("imports/template/", views.import_template_view, name="import_template"),
    path("items/", views.item_list_view, name="list"),
    path("items/<int:pk>/", views.item_detail_view, name="detail"),
    path("items/<int:pk>/do/<str:action>/", views.item_action_view, name="action"),
    path("files/<int:pk>/", views.file_download_view, name="download"),
]
