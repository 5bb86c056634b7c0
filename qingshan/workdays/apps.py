from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "qingshan.workdays"
    verbose_name = "工作日历"
