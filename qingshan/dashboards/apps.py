from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DashboardsConfig(AppConfig):
    name = "qingshan.dashboards"
    verbose_name = "统计分析"

    def ready(self):
        from . import snapshots

        snapshots.connect()
        # On PostgreSQL the facts are kept by a trigger, (re)installed after every migrate (see snapshots.py).
        post_migrate.connect(snapshots.install_trigger, sender=self, dispatch_uid="kpi_fact_trigger")
