"""Admin: models and versions readable; runs and hits read-only (every change goes through the services)."""
from django.contrib import admin

from qingshan.core.admin import ReadOnlyAdmin

from .models import CheckModel, CheckModelVersion, Hit, Run


@admin.register(CheckModel)
class CheckModelAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "owner_org", "enabled", "schedule", "version")
    list_filter = ("enabled", "schedule", "origin")
    search_fields = ("code", "name")


@admin.register(CheckModelVersion)
class CheckModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("model", "number", "created_by", "created_at")


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("model", "started_at", "status", "dry_run", "rows_scanned", "subjects", "new_hits", "seconds")
    list_filter = ("status", "dry_run", "trigger")


@admin.register(Hit)
class HitAdmin(ReadOnlyAdmin):
    list_display = ("model", "subject_label", "state", "queue", "occurrences", "last_seen_at")
    list_filter = ("state", "queue")
    search_fields = ("subject_key", "subject_label")
