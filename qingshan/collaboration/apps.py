from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "qingshan.collaboration"
    label = "collaboration"
    verbose_name = "联动协作"

    def ready(self):
        # The work loop's 移送协作单位 step is performed here (a PartnerTransfer): register it on the problems' table.
        from . import partners  # noqa: F401
