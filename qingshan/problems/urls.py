from django.urls import path

from . import views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list_view, name="list"),
    path("new/", views.problem_create_view, name="create"),
    path("<int:pk>/", views.problem_detail_view, name="detail"),
]
