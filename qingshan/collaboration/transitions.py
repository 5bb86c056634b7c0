"""The action tables of a 会商 and of its tasks (contract in core/actions.py)."""
from qingshan.core.actions import ActionRule, ActionTable

from .choices import (
    Action,
    ConsultationState,
    FindingState,
    InspectionAction,
    InspectionState,
    PartnerAction,
    PartnerTransferState,
    TaskState,
)

CONVENER, ASSIGNEE = "convener", "assignee"

CONSULTATION_ACTIONS = ActionTable(
    object_type="collaboration.consultation", noun="会商", target="consultation",
    services="qingshan.collaboration.services", state_labels=dict(ConsultationState.choices),
    rules=[
        ActionRule(Action.RECORD, "记录会商纪要", frozenset({ConsultationState.PLANNED, ConsultationState.HELD}),
                   CONVENER, ConsultationState.HELD),
        ActionRule(Action.DECIDE, "形成决定事项", frozenset({ConsultationState.HELD}), CONVENER,
                   refused="会商召开并记录纪要后，才能形成决定事项。"),
        ActionRule(Action.CLOSE, "办结会商", frozenset({ConsultationState.HELD}), CONVENER, ConsultationState.CLOSED),
    ])

TASK_ACTIONS = ActionTable(
    object_type="collaboration.task", noun="决定事项", target="task",
    services="qingshan.collaboration.services", state_labels=dict(TaskState.choices),
    rules=[ActionRule(Action.COMPLETE, "报告完成情况", frozenset({TaskState.OPEN}), ASSIGNEE, TaskState.DONE)])

LEADER, TEAM = "leader", "team"
_PLANNING = frozenset({InspectionState.PLANNED, InspectionState.ONGOING})

INSPECTION_ACTIONS = ActionTable(
    object_type="collaboration.inspection", noun="协同监督检查", target="inspection",
    services="qingshan.collaboration.inspections", state_labels=dict(InspectionState.choices),
    rules=[
        ActionRule(InspectionAction.TEAM, "组建检查组", _PLANNING, LEADER),
        ActionRule(InspectionAction.SITE, "安排检查点位", _PLANNING, LEADER),
        ActionRule(InspectionAction.START, "开始检查", frozenset({InspectionState.PLANNED}), LEADER,
                   InspectionState.ONGOING),
        ActionRule(InspectionAction.RECORD, "记录检查发现", frozenset({InspectionState.ONGOING}), TEAM,
                   refused="检查开始后、完成前，才能记录检查发现。"),
        ActionRule(InspectionAction.FINISH, "完成检查", frozenset({InspectionState.ONGOING}), LEADER,
                   InspectionState.FINISHED),
    ])

FINDING_ACTIONS = ActionTable(
    object_type="collaboration.finding", noun="检查发现", target="finding",
    services="qingshan.collaboration.inspections", state_labels=dict(FindingState.choices),
    rules=[
        ActionRule(InspectionAction.REGISTER, "立为问题", frozenset({FindingState.RECORDED}), LEADER,
                   FindingState.REGISTERED),
        ActionRule(InspectionAction.DISMISS, "不予立项", frozenset({FindingState.RECORDED}), LEADER,
                   FindingState.DISMISSED),
    ])

SENDER, PARTNER = "sender", "partner"
_OPEN_TRANSFER = frozenset({PartnerTransferState.SENT, PartnerTransferState.RECEIVED})

PARTNER_TRANSFER_ACTIONS = ActionTable(
    object_type="collaboration.partner_transfer", noun="移送", target="transfer",
    services="qingshan.collaboration.partners", state_labels=dict(PartnerTransferState.choices),
    rules=[
        ActionRule(PartnerAction.SIGN, "签收", frozenset({PartnerTransferState.SENT}), PARTNER,
                   PartnerTransferState.RECEIVED),
        ActionRule(PartnerAction.FEEDBACK, "反馈办理结果", frozenset({PartnerTransferState.RECEIVED}), PARTNER,
                   PartnerTransferState.RETURNED, refusals={PartnerTransferState.SENT: "请先签收，再反馈办理结果。"}),
        ActionRule(PartnerAction.ACCEPT, "审核通过", frozenset({PartnerTransferState.RETURNED}), SENDER,
                   PartnerTransferState.ACCEPTED),
        ActionRule(PartnerAction.SEND_BACK, "退回补充", frozenset({PartnerTransferState.RETURNED}), SENDER,
                   PartnerTransferState.RECEIVED),
        ActionRule(PartnerAction.URGE, "催办反馈", _OPEN_TRANSFER, SENDER),
    ])
