"""Senders, routing rules and their grids (GeoJSON polygons) are configured by an administrator; alerts and refusals
are read-only records."""
import json

from django import forms
from django.contrib import admin, messages

from .geo import GeoJSONError, bounds, parse_area
from .models import Alert, GridArea, HotlineMapping, RefusedRequest, RoutingRule, Sender


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


class GridAreaForm(forms.ModelForm):
    """A grid's polygons come from an uploaded .geojson file (or the text pasted in); both are validated and the
    refusal says why in Chinese."""

    upload = forms.FileField(label="上传 GeoJSON 文件", required=False,
                             help_text="上传文件将替换下方的范围内容（.geojson 或 .json，不超过 5 MB）")

    class Meta:
        model = GridArea
        fields = ["name", "region", "upload", "geojson", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["geojson"].required = False

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > 5 * 1024 * 1024:
                raise forms.ValidationError("GeoJSON 文件超过 5 MB。")
            source = upload.read()
        else:
            source = data.get("geojson")
            if not source:
                raise forms.ValidationError("请上传 GeoJSON 文件或填写范围。")
        try:
            polygons = parse_area(source)
        except GeoJSONError as exc:
            raise forms.ValidationError(str(exc)) from exc
        data["geojson"] = source if isinstance(source, dict) else json.loads(source)
        self.instance.min_lng, self.instance.min_lat, self.instance.max_lng, self.instance.max_lat = bounds(polygons)
        return data


@admin.register(GridArea)
class GridAreaAdmin(admin.ModelAdmin):
    form = GridAreaForm
    list_display = ("name", "region", "is_active")
    list_filter = ("is_active",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sender", "category", "region", "area", "lead_unit", "priority", "is_active")
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
