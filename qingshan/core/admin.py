"""Shared admin base: records that only services may write are shown in the admin for looking up, never edited."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete in the admin: every change goes through a service that audits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
