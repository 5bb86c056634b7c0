from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qingshan.api"
    verbose_name = "接口"
