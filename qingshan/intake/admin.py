"""Senders and routing rules are configured by an administrator; alerts and refusals are read-only records."""
from django.contrib import admin, messages

from .models import Alert, HotlineMapping, RefusedRequest, RoutingRule, Sender


@admin.register(Sender)
class SenderAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "source", "default_region", "account", "is_active")
    list_filter = ("is_active", "source")
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        from .services import sender_register  # not at import: the admin is loaded with every app at start-up

        secret = sender_register(actor=request.user, sender=obj)
        messages.warning(request, f"接入方 {obj.code} 的签名密钥（只显示这一次，请妥善交给接入方）：{secret}")

    @admin.action(description="更换签名密钥")
    def rotate_secret(self, request, queryset):
        from .services import sender_rotate_secret

        for sender in queryset:
            secret = sender_rotate_secret(actor=request.user, sender=sender)
            messages.warning(request, f"接入方 {sender.code} 的新签名密钥（只显示这一次）：{secret}")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sender", "category", "region", "lead_unit", "priority", "is_active")
    list_filter = ("is_active", "category")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "alert_type", "device", "problem", "outcome")
    list_filter = ("sender", "outcome")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RefusedRequest)
class RefusedRequestAdmin(AlertAdmin):
    list_display = ("received_at", "sender_code", "reason", "detail", "remote_addr", "size")
    list_filter = ("reason",)


@admin.register(HotlineMapping)
class HotlineMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "default_region", "default_category", "is_active")
