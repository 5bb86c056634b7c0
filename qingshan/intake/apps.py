from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "qingshan.intake"
    label = "intake"
    verbose_name = "机器接入"
