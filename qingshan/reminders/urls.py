"""URLs of 提醒督办."""
from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:pk>/read/", views.mark_read_view, name="read"),
    path("read-all/", views.mark_all_read_view, name="read_all"),
    path("<int:pk>/snooze/", views.snooze_view, name="snooze"),
    path("deliveries/", views.deliveries_view, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.retry_view, name="retry"),
]
