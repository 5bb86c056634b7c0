from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "qingshan.backup"
    verbose_name = "备份与恢复"
