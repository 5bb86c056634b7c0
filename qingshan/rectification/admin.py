"""Admin of the rectification campaign: read-mostly views of the records (every change goes through the services)."""
from django.contrib import admin

from .models import Campaign, Item, Milestone


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    readonly_fields = ("title", "due_on", "done_on", "done_by")
    can_delete = False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "year", "commission")


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "lead_unit", "state", "progress", "warning", "deadline")
    list_filter = ("state", "warning", "progress")
    search_fields = ("number", "title")
    inlines = [MilestoneInline]
