"""The work loop's action table: each action's states, who may take it, where it leads, its input and its service.

The services (`services.py`, each decorated with `@PROBLEM_ACTIONS.performs(...)`) read their state check and
target state from here; the detail page's buttons and forms, the API's endpoints and the transition-matrix tests
all read this table. Adding an action is one rule here, one service and its test.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from . import serializers as s
from .choices import OPEN_STATES, Action, State

SUPERVISOR = "supervisor"
LEAD_UNIT = "lead_unit"
HANDLING_UNIT = "handling_unit"  # the lead unit or a co-unit working on it
LEADER = "leader"  # a commission leader with jurisdiction over the problem
PARTNER = "partner"  # a partner body the problem was transferred to (移送)

UNIT_HOLDS = frozenset({State.DISPATCHED, State.SIGNED, State.IN_PROGRESS})
NOT_TERMINAL = frozenset({State.RECEIVED}) | OPEN_STATES
# A pending extension exists only from signing until the problem leaves its unit (it lapses on return,
# reassignment, merging and closing), so it is decided while signed, in progress or awaiting review.
EXTENSION_DECIDABLE = frozenset({State.SIGNED, State.IN_PROGRESS, State.REPLIED})


def _rule(code: Action, from_states, who: str, to_state: str | None = None, **kwargs) -> ActionRule:
    return ActionRule(code=code.value, label=code.label, from_states=frozenset(from_states), who=who,
                      to_state=to_state, **kwargs)


PROBLEM_ACTIONS = ActionTable(
    object_type="problems.problem", noun="问题", target="problem", services="qingshan.problems.services",
    state_labels=MappingProxyType(dict(State.choices)),
    rules=[
        _rule(Action.DISPATCH, {State.RECEIVED, State.RETURNED}, SUPERVISOR, State.DISPATCHED,
              form=f.DispatchForm, api_input=s.DispatchInput),
        _rule(Action.REASSIGN, UNIT_HOLDS, SUPERVISOR, State.DISPATCHED, form=f.ReassignForm,
              api_input=s.ReassignInput),
        _rule(Action.SIGN, {State.DISPATCHED}, LEAD_UNIT, State.SIGNED, form=f.OptionalNoteForm,
              api_input=s.NoteInput),
        _rule(Action.RETURN, {State.DISPATCHED, State.SIGNED}, LEAD_UNIT, State.RETURNED, form=f.ReasonForm,
              api_input=s.ReturnInput),
        _rule(Action.START, {State.SIGNED}, LEAD_UNIT, State.IN_PROGRESS, form=f.OptionalNoteForm,
              api_input=s.NoteInput),
        _rule(Action.REQUEST_EXTENSION, {State.SIGNED, State.IN_PROGRESS}, LEAD_UNIT,
              form=f.ExtensionRequestForm, api_input=s.RequestExtensionInput),
        _rule(Action.APPROVE_EXTENSION, EXTENSION_DECIDABLE, SUPERVISOR, form=f.ExtensionDecisionForm,
              api_input=s.ApproveExtensionInput, fixed=MappingProxyType({"approve": True})),
        _rule(Action.REJECT_EXTENSION, EXTENSION_DECIDABLE, SUPERVISOR, form=f.ExtensionRejectForm,
              api_input=s.RejectExtensionInput, fixed=MappingProxyType({"approve": False})),
        _rule(Action.REPLY, {State.IN_PROGRESS}, LEAD_UNIT, State.REPLIED, form=f.ReplyForm,
              api_input=s.ReplyMultipartInput),
        _rule(Action.APPROVE, {State.REPLIED}, SUPERVISOR, State.CLOSED, form=f.ReviewForm,
              api_input=s.DecisionCommentInput, fixed=MappingProxyType({"decision": Action.APPROVE})),
        _rule(Action.APPROVE_STAGE, {State.REPLIED}, SUPERVISOR, State.STAGE_CLOSED, form=f.ReviewForm,
              api_input=s.DecisionCommentInput, fixed=MappingProxyType({"decision": Action.APPROVE_STAGE})),
        _rule(Action.REJECT, {State.REPLIED}, SUPERVISOR, State.IN_PROGRESS, form=f.ReviewForm,
              api_input=s.DecisionCommentInput, fixed=MappingProxyType({"decision": Action.REJECT})),
        _rule(Action.REVISIT, {State.CLOSED, State.STAGE_CLOSED}, SUPERVISOR, State.REVISITED, form=f.RevisitForm,
              api_input=s.RevisitInput),
        _rule(Action.URGE, UNIT_HOLDS, SUPERVISOR, form=f.UrgeForm, api_input=s.UrgeInput),
        _rule(Action.ESCALATE, UNIT_HOLDS | {State.REPLIED}, SUPERVISOR, form=f.EscalateForm,
              api_input=s.EscalateInput),
        _rule(Action.MERGE, NOT_TERMINAL, SUPERVISOR, State.MERGED, form=f.MergeForm, api_input=s.MergeInput,
              target="duplicate"),
        _rule(Action.SHARE, NOT_TERMINAL | {State.CLOSED, State.STAGE_CLOSED, State.REVISITED}, SUPERVISOR,
              form=f.ShareForm, api_input=s.ShareInput),
        # Issue 11: a problem revealing misconduct goes to the discipline loop as a clue (a record of its own).
        _rule(Action.TRANSFER_CLUE, NOT_TERMINAL | {State.CLOSED, State.STAGE_CLOSED, State.REVISITED}, SUPERVISOR,
              form=f.TransferClueForm, api_input=s.TransferClueInput),
        _rule(Action.RESTRICT, State.values, SUPERVISOR, form=f.RestrictForm, api_input=s.RestrictInput),
        # Issue 15: a leader who receives 提级督办 acts on it; a unit reports progress; a partner replies.
        _rule(Action.INSTRUCT, NOT_TERMINAL, LEADER, form=f.InstructForm, api_input=s.InstructInput),
        _rule(Action.LEADER_ESCALATE, UNIT_HOLDS | {State.REPLIED}, LEADER, form=f.EscalateForm,
              api_input=s.EscalateInput),
        _rule(Action.PROGRESS, {State.SIGNED, State.IN_PROGRESS}, HANDLING_UNIT, form=f.ProgressForm,
              api_input=s.ProgressInput),
        _rule(Action.PARTNER_REPLY, NOT_TERMINAL, PARTNER, form=f.PartnerReplyForm, api_input=s.PartnerReplyInput),
    ],
)

# The rules by action code (kept for readers of the old name).
TRANSITIONS = PROBLEM_ACTIONS.rules
