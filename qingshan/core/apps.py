from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qingshan.core"
    verbose_name = "基础"
