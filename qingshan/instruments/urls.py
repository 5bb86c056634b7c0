from django.urls import path

from . import views

app_name = "instruments"
urlpatterns = [
    path("", views.instrument_list_view, name="list"),
    path("new/", views.instrument_create_view, name="create"),
    path("generate/", views.batch_generate_view, name="generate"),
    path("batches/<int:pk>/", views.batch_view, name="batch"),
    path("<int:pk>/", views.instrument_detail_view, name="detail"),
    path("<int:pk>/do/<str:action>/", views.instrument_action_view, name="action"),
    path("files/<int:pk>/", views.file_download_view, name="file"),
    path("documents/<int:pk>/", views.document_download_view, name="document"),
    path("accountability/", views.accountability_list_view, name="accountability"),
    path("accountability/new/", views.accountability_create_view, name="accountability_create"),
    path("accountability/<int:pk>/", views.accountability_detail_view, name="accountability_detail"),
    path("accountability/exposure/new/", views.exposure_batch_create_view, name="exposure_create"),
]
