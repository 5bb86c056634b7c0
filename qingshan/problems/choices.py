"""States, actions and other choice sets of the work loop (domain §4), each with its colour."""
from django.db import models

from qingshan.core.choices import ESCALATION_COLOURS as ESCALATION_COLOURS  # re-exported: one scale in core
from qingshan.core.choices import ColouredChoices, with_colours
from qingshan.core.choices import EscalationLevel as EscalationLevel  # re-exported: one scale in core


class State(ColouredChoices):
    RECEIVED = "received", "已登记"
    DISPATCHED = "dispatched", "已交办"
    RETURNED = "returned", "已退回待改派"
    SIGNED = "signed", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "待审核"
    CLOSED = "closed", "已办结"
    STAGE_CLOSED = "stage_closed", "阶段性办结"
    REVISITED = "revisited", "已回访"
    MERGED = "merged", "已并单"


with_colours(State, {
    State.RECEIVED: "secondary", State.DISPATCHED: "info", State.RETURNED: "warning", State.SIGNED: "primary",
    State.IN_PROGRESS: "primary", State.REPLIED: "warning", State.CLOSED: "success", State.STAGE_CLOSED: "success",
    State.REVISITED: "success", State.MERGED: "dark",
})

# States in which the problem counts as closed (办结) for the KPIs; a merged duplicate counts under its primary.
CLOSED_STATES = frozenset({State.CLOSED, State.STAGE_CLOSED, State.REVISITED})
# States in which a unit holds the problem and its handling deadline runs.
OPEN_STATES = frozenset({State.DISPATCHED, State.SIGNED, State.IN_PROGRESS, State.REPLIED, State.RETURNED})
TERMINAL_STATES = CLOSED_STATES | {State.MERGED}


class Action(models.TextChoices):
    CREATE = "create", "登记"
    DISPATCH = "dispatch", "交办"
    REASSIGN = "reassign", "改派"
    SIGN = "sign", "签收"
    RETURN = "return", "退回"
    START = "start", "开始办理"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    APPROVE_EXTENSION = "approve_extension", "批准延期"
    REJECT_EXTENSION = "reject_extension", "不予延期"
    REPLY = "reply", "申请办结"
    APPROVE = "approve", "审核通过办结"
    APPROVE_STAGE = "approve_stage", "阶段性办结"
    REJECT = "reject", "发回重办"
    REVISIT = "revisit", "回访"
    URGE = "urge", "催办"
    ESCALATE = "escalate", "督办"
    MERGE = "merge", "并单"
    SHARE = "share", "移送协作单位"
    TRANSFER_CLUE = "transfer_clue", "移送问题线索"
    RESTRICT = "restrict", "限定知悉范围"
    INSTRUCT = "instruct", "批示"
    LEADER_ESCALATE = "leader_escalate", "领导督办"
    PROGRESS = "progress", "报送进展"
    PARTNER_REPLY = "partner_reply", "反馈办理结果"
    ATTACH = "attach", "上传附件"
    COMMENT = "comment", "备注"
    REVEAL_REPORTER = "reveal_reporter", "查看举报人联系方式"
    DOWNLOAD = "download", "下载附件"


class Urgency(ColouredChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


with_colours(Urgency, {Urgency.NORMAL: "secondary", Urgency.URGENT: "danger"})


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"


class ExtensionStatus(ColouredChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


with_colours(ExtensionStatus, {"pending": "warning", "approved": "success", "rejected": "secondary"})


class AttachmentPurpose(models.TextChoices):
    REGISTRATION = "registration", "登记材料"
    EVIDENCE = "evidence", "办结佐证"
    PROGRESS = "progress", "进展材料"
    PARTNER_REPLY = "partner_reply", "协作单位回复材料"
    OTHER = "other", "其他"
