"""The action table of a report slot (one period's report): its states, who acts, where each action leads.

The services (`report_submit`, `report_review`, `report_slot_urge`, `report_slot_escalate`) read their state check
and target state from here; the slot page asks it which forms to show.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from .choices import OPEN_SLOT_STATES, Action, SlotState

ASSIGNEE = "assignee"  # the stationed group or district commission that owes the report
REVIEWER = "reviewer"  # the office in charge of the supervision item
SUPERVISOR = "supervisor"  # the office in charge, or the commission's planners and leaders

OPEN = frozenset(OPEN_SLOT_STATES)
SUBMITTED = frozenset({SlotState.SUBMITTED})

SLOT_ACTIONS = ActionTable(
    object_type="supervision.slot", noun="该期报送", target="slot", services="qingshan.supervision.services",
    state_labels=MappingProxyType(dict(SlotState.choices)),
    rules=[
        # A first submission and a resubmission after a return are one rule; the audit names which it was.
        ActionRule(code=Action.SUBMIT.value, label="报送", from_states=OPEN, who=ASSIGNEE,
                   to_state=SlotState.SUBMITTED, refusals=MappingProxyType({
                       SlotState.APPROVED: "该期报送已审核通过，不能再报送。",
                       SlotState.SUBMITTED: "该期报送正在审核中，不能重复报送。"})),
        ActionRule(code=Action.APPROVE.value, label="审核通过", from_states=SUBMITTED, who=REVIEWER,
                   to_state=SlotState.APPROVED, form=f.ReviewCommentForm, target="report",
                   fixed=MappingProxyType({"approve": True}), refused="该报送不在待审核状态。"),
        ActionRule(code=Action.RETURN.value, label="退回修改", from_states=SUBMITTED, who=REVIEWER,
                   to_state=SlotState.RETURNED, form=f.ReviewCommentForm, target="report",
                   fixed=MappingProxyType({"approve": False}), refused="该报送不在待审核状态。"),
        ActionRule(code=Action.URGE.value, label="催办", from_states=OPEN, who=SUPERVISOR, form=f.UrgeForm,
                   refused="该期已报送，无需催办。"),
        ActionRule(code=Action.ESCALATE.value, label="督办", from_states=OPEN, who=SUPERVISOR,
                   refused="该期已报送，无需督办。"),
    ],
)
