"""States of a 会商 (a consultation between bodies) and of the tasks its decisions become."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class ConsultationState(ColouredChoices):
    PLANNED = "planned", "待召开"
    HELD = "held", "已召开"
    CLOSED = "closed", "已办结"


with_colours(ConsultationState, {ConsultationState.PLANNED: "secondary", ConsultationState.HELD: "primary",
                                 ConsultationState.CLOSED: "success"})


class TaskState(ColouredChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已完成"


with_colours(TaskState, {TaskState.OPEN: "warning", TaskState.DONE: "success"})


class Action(models.TextChoices):
    CREATE = "create", "发起会商"
    RECORD = "record", "记录会商纪要"
    DECIDE = "decide", "形成决定事项"
    CLOSE = "close", "办结会商"
    COMPLETE = "complete", "报告完成情况"


class InspectionState(ColouredChoices):
    PLANNED = "planned", "待检查"
    ONGOING = "ongoing", "检查中"
    FINISHED = "finished", "已完成"


with_colours(InspectionState, {InspectionState.PLANNED: "secondary", InspectionState.ONGOING: "primary",
                               InspectionState.FINISHED: "success"})


class FindingState(ColouredChoices):
    RECORDED = "recorded", "待处理"
    REGISTERED = "registered", "已立为问题"
    DISMISSED = "dismissed", "不予立项"


with_colours(FindingState, {FindingState.RECORDED: "warning", FindingState.REGISTERED: "success",
                            FindingState.DISMISSED: "secondary"})


class InspectionAction(models.TextChoices):
    CREATE = "create", "制定检查计划"
    TEAM = "team", "组建检查组"
    SITE = "site", "安排检查点位"
    START = "start", "开始检查"
    FINISH = "finish", "完成检查"
    RECORD = "record", "记录检查发现"
    REGISTER = "register", "立为问题"
    DISMISS = "dismiss", "不予立项"


class InterviewAction(models.TextChoices):
    CREATE = "create", "记录联合约谈"
    COMMIT = "commit", "落实整改承诺"


class CommitmentWay(models.TextChoices):
    RECTIFICATION = "rectification", "建立整改事项"
    TASK = "task", "交办协作任务"


class PartnerTransferState(ColouredChoices):
    SENT = "sent", "待签收"
    RECEIVED = "received", "办理中"
    RETURNED = "returned", "已反馈"
    ACCEPTED = "accepted", "已办结"


with_colours(PartnerTransferState, {PartnerTransferState.SENT: "secondary", PartnerTransferState.RECEIVED: "warning",
                                    PartnerTransferState.RETURNED: "primary",
                                    PartnerTransferState.ACCEPTED: "success"})


class PartnerAction(models.TextChoices):
    SEND = "send", "移送协作单位"
    SIGN = "sign", "签收"
    FEEDBACK = "feedback", "反馈办理结果"
    ACCEPT = "accept", "审核通过"
    SEND_BACK = "send_back", "退回补充"
    URGE = "urge", "催办反馈"
