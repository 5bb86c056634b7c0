"""The discipline loop's action table: each action's states, who may take it, where it leads, its input and its
service (domain §5). The services read their state check and target state from here; the clue page's buttons, the
transition-matrix tests and the services all read this table.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from .choices import Action, Disposal, Outcome, State

XINFANG = "xinfang"  # 信访室 of the commission holding the clue (a district commission's staff)
ANGUAN = "anguan"  # 案管室 of the commission holding the clue
TEAM = "team"  # the office or stationed group the clue is assigned to
LEADER = "leader"  # the commission's signing leader
LOWER = "lower"  # the lower commission a clue is being passed down to

SCREENING = frozenset({State.RECEIVED})
ACCEPTED_ON = frozenset({State.ACCEPTED, State.NUMBERED, State.ASSIGNED, State.HANDLING, State.PROPOSED,
                         State.STUDIED, State.INQUIRY, State.VERIFYING, State.SHELVED, State.CLOSED, State.CASE})
RESULT_STATES = frozenset({State.CLOSED, State.CASE})


def _rule(code: Action, from_states, who: str, to_state: str | None = None, **kwargs) -> ActionRule:
    return ActionRule(code=code.value, label=code.label, from_states=frozenset(from_states), who=who,
                      to_state=to_state, **kwargs)


def _fixed(**values) -> MappingProxyType:
    return MappingProxyType(values)


CLUE_ACTIONS = ActionTable(
    object_type="clues.clue", noun="线索", target="clue", services="qingshan.clues.services",
    state_labels=MappingProxyType(dict(State.choices)),
    rules=[
        # Screening by 信访室.
        _rule(Action.ACCEPT, SCREENING, XINFANG, State.ACCEPTED, form=f.NoteForm),
        _rule(Action.MARK_DUPLICATE, SCREENING, XINFANG, State.DUPLICATE, form=f.DuplicateForm),
        _rule(Action.NOT_ACCEPT, SCREENING, XINFANG, State.NOT_ACCEPTED, form=f.ReasonForm),
        _rule(Action.FORWARD_UP, SCREENING, XINFANG, State.UP_PENDING, form=f.NoteForm),
        _rule(Action.FORWARD_UP_SENT, {State.UP_PENDING}, XINFANG, State.FORWARDED_UP, form=f.NoteForm),
        _rule(Action.TRANSFER_DOWN, SCREENING, XINFANG, State.DOWN_PENDING, form=f.TransferDownForm),
        _rule(Action.ACCEPT_DOWN, {State.DOWN_PENDING}, LOWER, State.ACCEPTED, form=f.NoteForm),
        # 案管室: registration (线索编号) and assignment.
        _rule(Action.REGISTER, {State.ACCEPTED}, ANGUAN, State.NUMBERED, form=f.NoteForm),
        _rule(Action.ASSIGN, {State.NUMBERED}, ANGUAN, State.ASSIGNED, form=f.AssignForm),
        # The handling team proposes; the proposal is studied collectively, then the leader signs.
        _rule(Action.SIGN, {State.ASSIGNED}, TEAM, State.HANDLING, form=f.NoteForm),
        _rule(Action.PROPOSE, {State.HANDLING}, TEAM, State.PROPOSED, form=f.ProposeForm),
        _rule(Action.STUDY, {State.PROPOSED}, TEAM, State.STUDIED, form=f.StudyForm),
        _rule(Action.APPROVE_INQUIRY, {State.STUDIED}, LEADER, State.INQUIRY, form=f.ApproveForm,
              fixed=_fixed(disposal=Disposal.INQUIRY)),
        _rule(Action.APPROVE_VERIFY, {State.STUDIED}, LEADER, State.VERIFYING, form=f.ApproveForm,
              fixed=_fixed(disposal=Disposal.VERIFY)),
        _rule(Action.APPROVE_SHELVE, {State.STUDIED}, LEADER, State.SHELVED, form=f.ApproveShelveForm,
              fixed=_fixed(disposal=Disposal.SHELVE)),
        _rule(Action.APPROVE_CLOSE, {State.STUDIED}, LEADER, State.CLOSED, form=f.ApproveForm,
              fixed=_fixed(disposal=Disposal.CLOSE)),
        _rule(Action.APPROVE_CASE, {State.STUDIED}, LEADER, State.CASE, form=f.ApproveForm,
              fixed=_fixed(disposal=Disposal.CASE)),
        _rule(Action.RETURN_PROPOSAL, {State.STUDIED}, LEADER, State.HANDLING, form=f.ReasonForm),
        # 谈话函询: the reply, then one of its outcomes (again 函询 or 初步核实 loop back).
        _rule(Action.RECORD_REPLY, {State.INQUIRY}, TEAM, form=f.ReplyForm),
        _rule(Action.INQUIRY_CLEAR, {State.INQUIRY}, TEAM, State.CLOSED, form=f.NoteForm,
              fixed=_fixed(outcome=Outcome.CLEARED)),
        _rule(Action.INQUIRY_REMIND, {State.INQUIRY}, TEAM, State.CLOSED, form=f.NoteForm,
              fixed=_fixed(outcome=Outcome.REMINDED)),
        _rule(Action.INQUIRY_CRITICISE, {State.INQUIRY}, TEAM, State.CLOSED, form=f.NoteForm,
              fixed=_fixed(outcome=Outcome.CRITICISED)),
        _rule(Action.INQUIRY_AGAIN, {State.INQUIRY}, TEAM, State.INQUIRY, form=f.InquiryAgainForm),
        _rule(Action.INQUIRY_VERIFY, {State.INQUIRY}, TEAM, State.VERIFYING, form=f.NoteForm),
        # 初步核实: the report signed by the whole team, and its outcome.
        _rule(Action.VERIFY_CASE, {State.VERIFYING}, TEAM, State.CASE, form=f.VerifyForm,
              fixed=_fixed(outcome=Outcome.CASE)),
        _rule(Action.VERIFY_CLOSE, {State.VERIFYING}, TEAM, State.CLOSED, form=f.VerifyForm,
              fixed=_fixed(outcome=Outcome.CLOSED)),
        _rule(Action.VERIFY_REMIND, {State.VERIFYING}, TEAM, State.CLOSED, form=f.VerifyForm,
              fixed=_fixed(outcome=Outcome.REMINDED)),
        _rule(Action.VERIFY_TRANSFER, {State.VERIFYING}, TEAM, State.CLOSED, form=f.VerifyForm,
              fixed=_fixed(outcome=Outcome.TRANSFERRED)),
        _rule(Action.VERIFY_SHELVE, {State.VERIFYING}, TEAM, State.SHELVED, form=f.VerifyShelveForm),
        # 暂存待查: reviewed on schedule, re-disposed or kept.
        _rule(Action.REVIEW_SHELVED, {State.SHELVED}, TEAM, State.HANDLING, form=f.NoteForm),
        _rule(Action.POSTPONE_REVIEW, {State.SHELVED}, TEAM, form=f.PostponeForm),
        # Notices to a real-name reporter, through a neutral sender, and their objections.
        _rule(Action.NOTIFY_ACCEPTANCE, ACCEPTED_ON, XINFANG, form=f.NotifyForm),
        _rule(Action.NOTIFY_RESULT, RESULT_STATES, XINFANG, form=f.NotifyForm),
        _rule(Action.RECORD_OBJECTION, RESULT_STATES, XINFANG, form=f.ObjectionForm),
    ],
)
