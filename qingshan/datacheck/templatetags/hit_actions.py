"""Which triage buttons a hit row shows: what the hit's action table allows from its state."""
from django import template

from qingshan.datacheck.transitions import HIT_ACTIONS

register = template.Library()


@register.filter
def hit_actions(hit, may_triage) -> list[str]:
    """The actions allowed on `hit` now for someone who may (or may not) triage its model's hits."""
    return HIT_ACTIONS.allowed(hit.state, lambda rule: bool(may_triage))
