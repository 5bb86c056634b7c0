from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "qingshan.datasets"
    verbose_name = "数据集"
