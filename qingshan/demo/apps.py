from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "qingshan.demo"
    verbose_name = "演示数据"
