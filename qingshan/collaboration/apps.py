from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "qingshan.collaboration"
    label = "collaboration"
    verbose_name = "联动协作"
