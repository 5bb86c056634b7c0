"""The audit log in the admin: read-only, for looking things up. Nothing here can add, change or delete an event."""
from django.contrib import admin
from django.http import HttpRequest

from qingshan.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_name", "actor_org", "action", "object_type", "object_id",
                    "from_state", "to_state")
    list_filter = ("action", "object_type", "internal")
    search_fields = ("actor_name", "reason", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("actor_org",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]
