"""一键分析's rules in the Django admin: edited by a platform administrator, saved through rules.rule_save."""
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import AnalysisRule
from .rules import rule_errors, rule_save


@admin.register(AnalysisRule)
class AnalysisRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "measure", "threshold", "min_base", "min_peers", "min_gap", "enabled",
                    "sort_order")
    list_filter = ("kind", "enabled")
    list_editable = ()
    fields = ("code", "name", "kind", "measure", "threshold", "min_base", "min_peers", "min_gap", "enabled",
              "sort_order")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # a rule is switched off (启用), so the audit trail keeps what it was

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class CheckedForm(form):
            def _post_clean(self):
                super()._post_clean()  # the instance now carries the submitted values
                if not self.errors:
                    for field, message in rule_errors(self.instance).items():
                        self.add_error(field if field in self.fields else None, ValidationError(message))

        return CheckedForm

    def save_model(self, request, obj, form, change):
        rule_save(actor=request.user, rule=obj)
