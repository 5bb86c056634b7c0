"""The action tables of a 会商 and of its tasks (contract in core/actions.py)."""
from qingshan.core.actions import ActionRule, ActionTable

from .choices import Action, ConsultationState, TaskState

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
