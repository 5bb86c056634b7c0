"""Reference data of the work loop in the admin. Problems themselves change only through the services (no admin)."""
from django.contrib import admin

from .models import Category, Source, TimeLimitRule


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "has_citizen_reporter", "sort_order")
    list_editable = ("sort_order",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    list_editable = ("sort_order",)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "source", "category", "urgency", "sign_days", "handle_days", "extension_notice_days")
    list_filter = ("source", "category", "urgency")
