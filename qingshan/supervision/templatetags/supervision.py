"""Template helpers of the supervision pages: numbers, badges with the choice set's colour, the slot grid cell."""
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html

from qingshan.supervision.choices import (
    Action,
    RectificationStatus,
    ReportStatus,
    Stage,
)
from qingshan.supervision.status import slot_status

register = template.Library()


@register.filter
def num(value) -> str:
    """A decimal without trailing zeros (12.5000 → 12.5)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def _badge(colour: str, label: str, **attrs):
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return format_html('<span class="badge text-bg-{}"' + extra + ">{}</span>", colour, label)


@register.simple_tag
def indicator_badge(indicator):
    if indicator.met_on:
        return _badge("success", "已达标")
    if indicator.off_track:
        return _badge("danger", "偏离进度")
    return _badge("primary", "正常推进")


@register.simple_tag
def slot_badge(slot, today):
    """The slot's one state (qingshan.supervision.status gives the precedence)."""
    status = slot_status(slot, today)
    return _badge(status.colour, status.label)


@register.simple_tag
def slot_cell(slot, today):
    """One cell of an item's slot grid, in the slot's one state, linking to the slot page."""
    if slot is None:
        return ""
    status = slot_status(slot, today)
    return format_html('<a class="badge text-bg-{} text-decoration-none" href="{}" title="报送期限 {}">{}</a>',
                       status.colour, reverse("supervision:slot", args=[slot.pk]), slot.due_date.isoformat(),
                       status.label)


@register.simple_tag
def report_badge(status):
    return _badge(ReportStatus.colour_of(status), ReportStatus(status).label)


@register.simple_tag
def rect_badge(status):
    return _badge(RectificationStatus.colour_of(status), RectificationStatus(status).label)


@register.simple_tag
def stage_badge(stage):
    return _badge(Stage.colour_of(stage), Stage(stage).label) if stage else ""


@register.filter
def sup_action(action: str) -> str:
    try:
        return Action(action).label
    except ValueError:
        return action


@register.filter
def stage_label(stage: str) -> str:
    try:
        return Stage(stage).label if stage else "—"
    except ValueError:
        return stage


@register.inclusion_tag("supervision/_tabs.html", takes_context=True)
def supervision_tabs(context, tab: str):
    """The tabs of the supervision pages, only those the user can use."""
    from qingshan.access import supervision as access

    user = context["request"].user
    return {"tab": tab, "sees_plan": access.visible_plans(user).exists(),
            "is_office": bool(access.office_org_ids(user)), "is_assignee": bool(access.assignee_org_ids(user))}
