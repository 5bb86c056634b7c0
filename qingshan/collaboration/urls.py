from django.urls import path

from . import views

app_name = "collaboration"
urlpatterns = [
    path("", views.consultation_list_view, name="list"),
    path("transfers/", views.transfers_view, name="transfers"),
    path("new/", views.consultation_create_view, name="create"),
    path("<int:pk>/", views.consultation_detail_view, name="detail"),
    path("<int:pk>/<str:action>/", views.consultation_action_view, name="action"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="complete"),
]
