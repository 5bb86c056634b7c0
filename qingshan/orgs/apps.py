from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "qingshan.orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from . import lockouts  # noqa: F401  (connects the lockout audit)
