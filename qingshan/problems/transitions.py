"""The work loop's transition table: from which states an action may be taken, by whom, and where it leads."""
from dataclasses import dataclass

from .choices import OPEN_STATES, Action, State

SUPERVISOR = "supervisor"
LEAD_UNIT = "lead_unit"


@dataclass(frozen=True)
class Rule:
    from_states: frozenset
    who: str  # SUPERVISOR or LEAD_UNIT
    to_state: str | None = None  # None: the state does not change (side transition)


UNIT_HOLDS = frozenset({State.DISPATCHED, State.SIGNED, State.IN_PROGRESS})
NOT_TERMINAL = frozenset({State.RECEIVED}) | OPEN_STATES
EXTENSION_DECIDABLE = frozenset({State.SIGNED, State.IN_PROGRESS, State.REPLIED})

TRANSITIONS: dict[str, Rule] = {
    Action.DISPATCH: Rule(frozenset({State.RECEIVED, State.RETURNED}), SUPERVISOR, State.DISPATCHED),
    Action.REASSIGN: Rule(UNIT_HOLDS, SUPERVISOR, State.DISPATCHED),
    Action.SIGN: Rule(frozenset({State.DISPATCHED}), LEAD_UNIT, State.SIGNED),
    Action.RETURN: Rule(frozenset({State.DISPATCHED, State.SIGNED}), LEAD_UNIT, State.RETURNED),
    Action.START: Rule(frozenset({State.SIGNED}), LEAD_UNIT, State.IN_PROGRESS),
    Action.REQUEST_EXTENSION: Rule(frozenset({State.SIGNED, State.IN_PROGRESS}), LEAD_UNIT),
    # A pending extension exists only from signing until the problem leaves its unit (it lapses on return,
    # reassignment, merging and closing), so it is decided while signed, in progress or awaiting review.
    Action.APPROVE_EXTENSION: Rule(EXTENSION_DECIDABLE, SUPERVISOR),
    Action.REJECT_EXTENSION: Rule(EXTENSION_DECIDABLE, SUPERVISOR),
    Action.REPLY: Rule(frozenset({State.IN_PROGRESS}), LEAD_UNIT, State.REPLIED),
    Action.APPROVE: Rule(frozenset({State.REPLIED}), SUPERVISOR, State.CLOSED),
    Action.APPROVE_STAGE: Rule(frozenset({State.REPLIED}), SUPERVISOR, State.STAGE_CLOSED),
    Action.REJECT: Rule(frozenset({State.REPLIED}), SUPERVISOR, State.IN_PROGRESS),
    Action.REVISIT: Rule(frozenset({State.CLOSED, State.STAGE_CLOSED}), SUPERVISOR, State.REVISITED),
    Action.URGE: Rule(UNIT_HOLDS, SUPERVISOR),
    Action.ESCALATE: Rule(UNIT_HOLDS | {State.REPLIED}, SUPERVISOR),
    Action.MERGE: Rule(NOT_TERMINAL, SUPERVISOR, State.MERGED),
    Action.SHARE: Rule(NOT_TERMINAL | {State.CLOSED, State.STAGE_CLOSED, State.REVISITED}, SUPERVISOR),
    Action.RESTRICT: Rule(frozenset(State.values), SUPERVISOR),
}
