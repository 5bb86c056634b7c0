from django.urls import path

from . import views

app_name = "clues"
urlpatterns = [
    path("", views.clue_list_view, name="list"),
    path("new/", views.clue_create_view, name="create"),
    path("kpi/", views.clue_kpi_view, name="kpi"),
    path("reveals/", views.reveal_register_view, name="reveals"),
    path("quarter/", views.quarter_view, name="quarter"),
    path("quarter/report/", views.quarter_report_view, name="quarter_report"),
    path("quarter/<int:pk>/document/", views.quarter_document_view, name="quarter_document"),
    path("<int:pk>/", views.clue_detail_view, name="detail"),
    path("<int:pk>/do/<str:action>/", views.clue_action_view, name="action"),
    path("<int:pk>/notice/<str:kind>/", views.notice_send_view, name="send_notice"),
    path("<int:pk>/reporter/", views.reveal_reporter_view, name="reveal_reporter"),
    path("reveals/export/", views.reveal_export_view, name="reveals_export"),
    path("<int:pk>/transfer/", views.transfer_generate_view, name="transfer_document"),
    path("letters/<int:pk>/", views.letter_generate_view, name="letter"),
    path("jobs/<int:pk>/", views.job_view, name="job"),
    path("jobs/<int:pk>/download/", views.job_download_view, name="job_download"),
]
