"""Template helpers shared by every page: the escalation badge, the details of an audit event."""
from django import template
from django.utils.html import format_html

from qingshan.core.choices import EscalationLevel

register = template.Library()


@register.simple_tag
def escalation_badge(level: int):
    """A coloured badge for a level of 督办 (nothing when there is none)."""
    if not level:
        return ""
    return format_html('<span class="badge text-bg-{}">{}</span>', EscalationLevel.colour_of(level),
                       EscalationLevel(level).label)


_SUMMARY_KEYS = [
    ("lead_unit", "主办单位"), ("co_units", "协办单位"), ("from_unit", "原主办单位"), ("unit", "单位"),
    ("handle_deadline", "办理期限"), ("requested_deadline", "申请延至"), ("old_deadline", "原期限"),
    ("new_deadline", "新期限"), ("primary", "并入"), ("duplicate", "重复件"), ("partner", "移送至"),
    ("feedback_deadline", "反馈期限"), ("label", "等级"), ("name", "文件"), ("attachment", "文件"),
    ("attachments", "附件"), ("count", "第几次"),
]


@register.filter
def event_summary(payload: dict) -> str:
    """The details of an audit event worth showing on a timeline, in Chinese."""
    parts = []
    for key, label in _SUMMARY_KEYS:
        value = (payload or {}).get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        parts.append(f"{label}：{value}")
    if (payload or {}).get("on_time") is False:
        parts.append("超期")
    return "；".join(parts)
