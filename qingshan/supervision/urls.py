"""URLs of 监督清单."""
from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("tasks/<int:pk>/", views.task_view, name="task"),
    path("indicators/<int:pk>/readings/", views.reading_add_view, name="reading_add"),
    path("projects/", views.project_list_view, name="projects"),
    path("projects/<int:pk>/", views.project_view, name="project"),
    path("projects/<int:pk>/stage/", views.project_stage_view, name="project_stage"),
    path("items/", views.item_list_view, name="items"),
    path("items/new/", views.item_create_view, name="item_create"),
    path("items/<int:pk>/", views.item_view, name="item"),
    path("items/<int:pk>/assign/", views.item_assign_view, name="item_assign"),
    path("slots/", views.slot_list_view, name="slots"),
    path("slots/<int:pk>/", views.slot_view, name="slot"),
    path("slots/<int:pk>/submit/", views.slot_submit_view, name="slot_submit"),
    path("slots/<int:pk>/rows/<str:kind>/", views.slot_row_view, name="slot_row"),
    path("slots/<int:pk>/review/", views.report_review_view, name="review"),
    path("report-files/<int:pk>/", views.report_file_view, name="report_file"),
    path("slots/<int:pk>/urge/", views.slot_urge_view, name="urge"),
    path("rectifications/<int:pk>/", views.rectification_update_view, name="rectification_update"),
    path("mine/", views.mine_view, name="mine"),
    path("reviews/", views.review_queue_view, name="reviews"),
    path("import/<str:kind>/", views.import_view, name="import"),
    path("import/<str:kind>/jobs/<int:job_pk>/", views.import_view, name="import_job"),
    path("import/<str:kind>/template.xlsx", views.import_template_view, name="import_template"),
]
