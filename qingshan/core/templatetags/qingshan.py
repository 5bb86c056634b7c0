"""Template helpers shared by every page: badges with the choice set's colour, labels of audit actions."""
from django import template
from django.utils.html import format_html

from qingshan.access.events import public_payload
from qingshan.problems.choices import ESCALATION_COLOURS, Action, EscalationLevel, State

register = template.Library()


@register.simple_tag
def state_badge(state: str):
    """A coloured badge for a problem state."""
    try:
        label = State(state).label
    except ValueError:
        label = state
    return format_html('<span class="badge text-bg-{}">{}</span>', State.colour_of(state), label)


@register.simple_tag
def escalation_badge(level: int):
    if not level:
        return ""
    return format_html('<span class="badge text-bg-{}">{}</span>', ESCALATION_COLOURS[level],
                       EscalationLevel(level).label)


@register.filter
def action_label(action: str) -> str:
    """The Chinese label of an audit action."""
    try:
        return Action(action).label
    except ValueError:
        return action


@register.filter
def state_label(state: str) -> str:
    try:
        return State(state).label if state else ""
    except ValueError:
        return state


@register.simple_tag
def deadline_cell(deadline, state, today):
    """A deadline, red when it has passed while a unit still holds the problem."""
    if not deadline:
        return "—"
    if state in (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS) and deadline < today:
        return format_html('<span class="qs-overdue" title="已超期">{}（超期）</span>', deadline.isoformat())
    return deadline.isoformat()


_SUMMARY_KEYS = [
    ("lead_unit", "主办单位"), ("co_units", "协办单位"), ("from_unit", "原主办单位"), ("unit", "单位"),
    ("handle_deadline", "办理期限"), ("requested_deadline", "申请延至"), ("old_deadline", "原期限"),
    ("new_deadline", "新期限"), ("primary", "并入"), ("duplicate", "重复件"), ("partner", "移送至"),
    ("label", "等级"), ("name", "文件"), ("attachment", "文件"), ("attachments", "附件"), ("count", "第几次"),
]


@register.filter
def event_summary(payload: dict, sees_internal: bool = True) -> str:
    """The details of an audit event worth showing on a timeline, in Chinese (`sees_internal=False`: a unit's)."""
    payload = public_payload(payload, sees_internal)
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
