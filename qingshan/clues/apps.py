from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "qingshan.clues"
    verbose_name = "问题线索"
