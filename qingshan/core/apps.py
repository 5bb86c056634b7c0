from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qingshan.core"
    verbose_name = "基础"

    def ready(self):
        from . import lookups  # noqa: F401  (registers the bounded integer `in` lookup)
