"""Choice sets of the supervision lists (domain §3), each with its colour where a badge shows it."""
from django.db import models

from qingshan.core.choices import (  # the same levels for every kind
    ESCALATION_COLOURS,
    ColouredChoices,
    EscalationLevel,
    JobStatus,
    with_colours,
)

__all__ = ["ESCALATION_COLOURS", "EscalationLevel"]  # re-exported: supervision code imports them from here


class Direction(models.TextChoices):
    AT_LEAST = "ge", "不低于（≥）"
    AT_MOST = "le", "不高于（≤）"


class Stage(ColouredChoices):
    PLANNING = "planning", "规划"
    INITIATION = "initiation", "立项"
    APPROVAL = "approval", "审批"
    CONSTRUCTION = "construction", "实施"
    ACCEPTANCE = "acceptance", "竣工验收"
    OPERATION = "operation", "投产运营"


# Units of indicators that count things (排污口 个, 企业 家, 项目 项 …): their values are whole numbers.
COUNT_UNITS = frozenset({"个", "家", "项", "件", "次", "起", "宗", "座", "处", "户", "人", "名", "辆", "艘", "台",
                         "套", "条", "所", "批", "份"})


with_colours(Stage, {"planning": "secondary", "initiation": "info", "approval": "primary", "construction": "warning",
                     "acceptance": "success", "operation": "success"})
STAGE_ORDER = list(Stage.values)


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    CUSTOM = "custom", "自定义"


class SlotState(ColouredChoices):
    PENDING = "pending", "待报送"
    SUBMITTED = "submitted", "已报送"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "已通过"


with_colours(SlotState, {"pending": "secondary", "submitted": "info", "returned": "warning", "approved": "success"})
# States in which the assignee owes a report, so the due date is watched.
OPEN_SLOT_STATES = frozenset({SlotState.PENDING, SlotState.RETURNED})


class ReportStatus(ColouredChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"


with_colours(ReportStatus, {"submitted": "info", "returned": "warning", "approved": "success"})


class ActivityKind(models.TextChoices):
    PHONE = "phone", "电话访问"
    BRIEFING = "briefing", "听取汇报"
    EXCHANGE = "exchange", "现场交流"
    SITE_VISIT = "site_visit", "实地查看"
    SYMPOSIUM = "symposium", "座谈"
    DOCUMENTS = "documents", "查阅资料"
    UNANNOUNCED = "unannounced", "暗访"


class RectificationStatus(ColouredChoices):
    IN_PROGRESS = "in_progress", "推进中"
    STAGE_DONE = "stage_done", "阶段性完成"
    DONE = "done", "已完成"
    ONGOING = "ongoing", "长期坚持"


with_colours(RectificationStatus, {"in_progress": "primary", "stage_done": "info", "done": "success",
                                   "ongoing": "secondary"})
CLOSED_RECTIFICATION = frozenset({RectificationStatus.DONE})


class Action(models.TextChoices):
    CREATE = "create", "建账"
    UPDATE = "update", "修改"
    READING = "reading", "录入读数"
    STAGE = "stage", "阶段变更"
    ASSIGN = "assign", "分派"
    GENERATE = "generate", "生成报送期次"
    SUBMIT = "submit", "报送"
    RESUBMIT = "resubmit", "重新报送"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回修改"
    URGE = "urge", "催办"
    ESCALATE = "escalate", "督办"
    FINDING = "finding", "发现问题"
    STATUS = "status", "更新整改状态"
    CLOSE = "close", "销账"
    IMPORT = "import", "导入"
    DOWNLOAD = "download", "下载佐证材料"


ImportStatus = JobStatus  # an Excel import's place in the background queue
