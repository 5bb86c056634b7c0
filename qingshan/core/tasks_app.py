"""django-tasks' database backend under a Chinese name: its app heads a section of the admin (the queued jobs), and
every page an administrator reads is in Chinese."""
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = "后台任务队列"
