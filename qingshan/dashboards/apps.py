from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "qingshan.dashboards"
    verbose_name = "统计分析"

    def ready(self):
        from . import snapshots

        snapshots.connect()
