from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "qingshan.instruments"
    verbose_name = "文书与问责"
