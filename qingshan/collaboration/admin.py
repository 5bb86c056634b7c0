"""会商 change only through the services; the admin reads them."""
from django.contrib import admin

from .models import Consultation, PeerRegion, Task


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("held_on", "title", "convened_by", "state")
    list_filter = ("state",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ConsultationAdmin):
    list_display = ("text", "assignee", "deadline", "state", "on_time")


@admin.register(PeerRegion)
class PeerRegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
