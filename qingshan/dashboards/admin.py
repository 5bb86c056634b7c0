"""District boundaries in the Django admin: a deployment uploads its own GeoJSON, checked by the service."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .geojson import parse_boundary
from .models import RegionBoundary
from .services import boundary_save

MAX_UPLOAD = 5 * 1024 * 1024


class BoundaryUploadForm(forms.ModelForm):
    upload = forms.FileField(label="GeoJSON 文件", help_text="本区划边界的 GeoJSON 文件（面或多面，WGS 84 经纬度）。",
                             error_messages={"required": "请选择 GeoJSON 文件。"})

    class Meta:
        model = RegionBoundary
        fields = ["region"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError("文件过大（最大 5 MB），请先简化边界后再上传。")
        text = upload.read()
        parse_boundary(text)  # a bad file is refused here, with the reason, before anything is saved
        return text

    def clean_region(self):
        region = self.cleaned_data["region"]
        if region.parent_id is None:
            raise ValidationError("只能为区县或乡镇街道上传边界，不能为全市上传。")
        return region


@admin.register(RegionBoundary)
class RegionBoundaryAdmin(admin.ModelAdmin):
    form = BoundaryUploadForm
    list_display = ("region", "updated_at")
    search_fields = ("region__name", "region__code")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_form(self, request, form, change):
        # The form has checked the file; the service checks again and writes the audit event.
        form.instance = boundary_save(actor=request.user, region=form.cleaned_data["region"],
                                      text=form.cleaned_data["upload"])
        return form.instance

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in save_form

    def save_related(self, request, form, formsets, change):
        pass  # a boundary has no related rows

from .analysis import admin as analysis_admin  # noqa: E402,F401 -- registers 一键分析's rules
