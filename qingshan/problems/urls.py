from django.urls import path

from . import views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list_view, name="list"),
    path("new/", views.problem_create_view, name="create"),
    path("red/", views.red_list_view, name="red_list"),
    path("bulk-dispatch/", views.bulk_dispatch_view, name="bulk_dispatch"),
    path("<int:pk>/", views.problem_detail_view, name="detail"),
    path("<int:pk>/do/<str:action>/", views.problem_action_view, name="action"),
    path("<int:pk>/attachments/", views.attachment_upload_view, name="attach"),
    path("<int:pk>/reporter/", views.reveal_reporter_view, name="reveal_reporter"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="download"),
]
