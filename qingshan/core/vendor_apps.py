"""Third-party apps under Chinese names: each app heads a section of the admin, and every page an administrator
reads is in Chinese. Their models' and fields' names come from qingshan/core/locale (zh_Hans), as neither package
ships a Chinese catalogue."""
from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = "后台任务队列"


class AxesConfig(AxesAppConfig):
    verbose_name = "登录防护"
