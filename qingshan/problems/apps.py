from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "qingshan.problems"
    verbose_name = "问题工单"
