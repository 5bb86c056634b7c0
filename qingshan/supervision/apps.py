from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "qingshan.supervision"
    verbose_name = "监督清单"
