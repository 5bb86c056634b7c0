"""The one state a report slot shows (badge, grid cell, header), with its precedence.

A slot's workflow state decides; the other facts only qualify the state they belong to, so they never contradict it:
- 超期 and 督办 qualify an open slot (one that still owes a report): once a report is in, the deadline is met or
  missed for good and an escalation about the missing report is no longer news.
- 按时/迟报 qualifies a slot whose report is in (submitted or approved): a returned report is owed again, and whether
  its first version was on time says nothing about the revision now due.
Colour: the escalation's colour, else red when overdue, else the state's own colour."""
import datetime as dt
from dataclasses import dataclass

from qingshan.core.choices import EscalationLevel

from .choices import OPEN_SLOT_STATES, SlotState


@dataclass(frozen=True)
class SlotStatus:
    label: str
    colour: str
    overdue: bool


def slot_status(slot, today: dt.date) -> SlotStatus:
    """The single state `slot` shows on `today` (see the module's precedence)."""
    state = SlotState(slot.state)
    qualifiers: list[str] = []
    colour = SlotState.colour_of(state)
    overdue = state in OPEN_SLOT_STATES and slot.due_date < today
    if state in OPEN_SLOT_STATES:
        if overdue:
            qualifiers.append("超期")
            colour = "danger"
        if slot.escalation_level:
            qualifiers.append(EscalationLevel(slot.escalation_level).label)
            colour = EscalationLevel.colour_of(slot.escalation_level)
    elif slot.on_time is not None:
        qualifiers.append("按时报送" if slot.on_time else "迟报")
    label = state.label + (f"（{'，'.join(qualifiers)}）" if qualifiers else "")
    return SlotStatus(label=label, colour=colour, overdue=overdue)
