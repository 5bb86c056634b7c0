"""Instruments in the admin: number prefixes (local practice) and the Word templates an administrator may replace
without code. Instruments and accountability records change only through the services (read-only here)."""
from django import forms
from django.contrib import admin, messages

from qingshan.core.errors import ServiceError

from . import services
from .choices import Kind
from .documents import validate_template
from .models import DocumentTemplate, NumberPrefix


@admin.register(NumberPrefix)
class NumberPrefixAdmin(admin.ModelAdmin):
    list_display = ("kind", "issuer", "prefix")
    list_filter = ("kind",)


class TemplateUploadAdminForm(forms.ModelForm):
    """An uploaded template must be a .docx that renders with the sample context (checked before it is saved)."""

    upload = forms.FileField(label="模板文件（.docx）")

    class Meta:
        model = DocumentTemplate
        fields = ["kind", "note"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        data = upload.read()
        upload.seek(0)
        try:
            validate_template(data, upload.name or "")
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "original_name", "is_active", "uploaded_by", "uploaded_at", "note")
    list_filter = ("kind", "is_active")
    form = TemplateUploadAdminForm

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Through the service: the previous template of the type is retired and the change audited."""
        try:
            saved = services.template_replace(actor=request.user, kind=form.cleaned_data["kind"],
                                              upload=form.cleaned_data["upload"], note=form.cleaned_data["note"])
        except ServiceError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk
        messages.info(request, f"已启用新的{Kind(saved.kind).label}模板。")
