from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "qingshan.reminders"
    verbose_name = "提醒督办"
