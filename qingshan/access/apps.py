from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "qingshan.access"
    verbose_name = "访问控制"
