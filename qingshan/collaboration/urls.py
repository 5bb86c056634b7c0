from django.urls import path

from . import joint_views, views

app_name = "collaboration"
urlpatterns = [
    path("", views.consultation_list_view, name="list"),
    path("transfers/", views.transfers_view, name="transfers"),
    path("new/", views.consultation_create_view, name="create"),
    path("<int:pk>/", views.consultation_detail_view, name="detail"),
    path("<int:pk>/<str:action>/", views.consultation_action_view, name="action"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="complete"),
    path("inspections/", joint_views.inspection_list_view, name="inspections"),
    path("inspections/new/", joint_views.inspection_create_view, name="inspection_create"),
    path("inspections/<int:pk>/", joint_views.inspection_detail_view, name="inspection"),
    path("inspections/<int:pk>/<str:action>/", joint_views.inspection_action_view, name="inspection_action"),
    path("findings/<int:pk>/<str:action>/", joint_views.finding_action_view, name="finding_action"),
    path("finding-photos/<int:pk>/", joint_views.finding_photo_view, name="finding_photo"),
    path("partner-transfers/", joint_views.partner_transfer_list_view, name="partner_transfers"),
    path("partner-transfers/<int:pk>/", joint_views.partner_transfer_detail_view, name="partner_transfer"),
    path("partner-transfers/<int:pk>/<str:action>/", joint_views.partner_transfer_action_view,
         name="partner_transfer_action"),
    path("interviews/", joint_views.interview_list_view, name="interviews"),
    path("interviews/new/", joint_views.interview_create_view, name="interview_create"),
    path("interviews/<int:pk>/", joint_views.interview_detail_view, name="interview"),
    path("interviews/<int:pk>/commit/", joint_views.interview_commit_view, name="interview_commit"),
]
