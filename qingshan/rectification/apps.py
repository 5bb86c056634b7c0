from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "qingshan.rectification"
    verbose_name = "督察反馈问题整改"
