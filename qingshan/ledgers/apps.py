from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "qingshan.ledgers"
    verbose_name = "台账"
