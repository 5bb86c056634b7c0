from django import template
from django.utils.html import format_html

from qingshan.clues.choices import Action, Disposal, State

register = template.Library()

# Built once: a list page draws a badge per row, and each `Choices.choices` builds its list anew.
STATE_LABELS = dict(State.choices)
DISPOSAL_LABELS = dict(Disposal.choices)
ACTION_LABELS = dict(Action.choices)


@register.simple_tag
def clue_state_badge(state: str):
    """A coloured badge for a clue's state."""
    label = STATE_LABELS.get(state, state)
    return format_html('<span class="badge text-bg-{}">{}</span>', State.colour_of(state), label)


@register.simple_tag
def disposal_badge(disposal: str):
    if not disposal:
        return "—"
    return format_html('<span class="badge text-bg-{}">{}</span>', Disposal.colour_of(disposal),
                       DISPOSAL_LABELS.get(disposal, disposal))


@register.filter
def clue_action_label(code: str) -> str:
    """An audit event's action in words."""
    return ACTION_LABELS.get(code, code)
