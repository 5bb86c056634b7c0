"""Admin: rules per deadline kind and organisations' group robots (the secret is write-only, stored encrypted)."""
from django import forms
from django.contrib import admin

from qingshan.core.admin import ReadOnlyAdmin

from .choices import Stage
from .models import Delivery, OrgChannel, ReminderRule
from .registry import kind_by_code
from .services import org_channel_save, reminder_rule_save


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "enabled", "blue_days", "escalate_after_days", "escalate_after_urges",
                    "send_email", "send_wecom", "send_dingtalk")
    list_editable = ("enabled",)
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False  # rules appear when the sweep first sees a kind

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        reminder_rule_save(actor=request.user, rule=obj)


class OrgChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(label="Webhook 地址", max_length=500, assume_scheme="https")
    secret = forms.CharField(label="加签密钥", required=False, widget=forms.PasswordInput(render_value=False),
                             help_text="钉钉“加签”密钥；留空表示不修改（新建时留空表示不加签）。加密保存，不再显示。")

    class Meta:
        model = OrgChannel
        fields = ("organisation", "channel", "webhook_url", "enabled")


@admin.register(OrgChannel)
class OrgChannelAdmin(admin.ModelAdmin):
    form = OrgChannelForm
    list_display = ("organisation", "channel", "enabled", "signed")
    list_filter = ("channel", "enabled")

    @admin.display(boolean=True, description="已加签")
    def signed(self, obj):
        return bool(obj.secret_encrypted)

    def save_model(self, request, obj, form, change):
        org_channel_save(actor=request.user, channel=obj, secret=form.cleaned_data.get("secret") or None)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("channel", "target", "status", "attempts", "next_attempt_at", "created_at")
    list_filter = ("channel", "status")
    # The item itself is one a site administrator may not see (restricted to named people, another unit's work): the
    # record names the kind of deadline and its stage, as 发送记录 does for an item its reader may not see.
    exclude = ("reminder",)
    readonly_fields = ("reminder_kind",)

    @admin.display(description="提醒")
    def reminder_kind(self, obj):
        if obj.reminder_id is None:
            return f"{obj.digest_date:%Y-%m-%d} 每日汇总" if obj.digest_date else "—"
        reminder = obj.reminder
        kind = kind_by_code().get(reminder.kind)
        label = kind.label if kind else "事项期限"
        return f"{Stage(reminder.stage).label}：{label}（期限 {reminder.deadline:%Y-%m-%d}）"
