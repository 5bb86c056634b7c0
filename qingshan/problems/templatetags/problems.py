"""Template helpers of the work loop's pages: state badges and labels, problem actions, overdue deadlines."""
from django import template
from django.utils.html import format_html

from qingshan.access.events import public_payload
from qingshan.core.templatetags.qingshan import event_summary
from qingshan.problems.choices import Action, State
from qingshan.workdays.templatetags.workdays import provisional_mark

register = template.Library()


@register.simple_tag
def state_badge(state: str):
    """A coloured badge for a problem state."""
    try:
        label = State(state).label
    except ValueError:
        label = state
    return format_html('<span class="badge text-bg-{}">{}</span>', State.colour_of(state), label)


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
        cell = format_html('<span class="qs-overdue" title="已超期">{}（超期）</span>', deadline.isoformat())
    else:
        cell = deadline.isoformat()
    return format_html("{}{}", cell, provisional_mark(deadline))  # counted on a provisional calendar: say so


@register.filter
def public_event_summary(payload: dict, sees_internal: bool) -> str:
    """A problem event's details as this reader may see them (a unit is not told the numbers merged into it)."""
    return event_summary(public_payload(payload, sees_internal))
