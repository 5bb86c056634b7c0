from django.apps import AppConfig


class DatacheckConfig(AppConfig):
    name = "qingshan.datacheck"
    verbose_name = "数据比对模型"
