"""API tokens in the admin: read-only (who holds one, until when, last used). Issue, rotate and revoke with
`manage.py issue_api_token`, which audits each step; the admin could not show a key anyway, only its digest."""
from django.contrib import admin

from qingshan.core.admin import ReadOnlyAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "expires_at", "last_used_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    exclude = ("digest",)
