from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("alerts/", views.alert_list_view, name="alerts"),
    path("alerts/<int:pk>/detach/", views.alert_detach_view, name="detach"),
    path("duplicates/", views.duplicates_view, name="duplicates"),
    path("duplicates/<int:pk>/decide/", views.duplicate_decide_view, name="duplicate-decide"),
    path("hotline/", views.hotline_import_view, name="hotline"),
    path("hotline/sample/<int:pk>.csv", views.hotline_sample_view, name="hotline-sample"),
    path("hotline/<int:job_pk>/", views.hotline_import_view, name="hotline-job"),
    path("webhook/alerts", views.alert_webhook, name="webhook"),
]
