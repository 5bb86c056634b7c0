"""States, actions and choice sets of the rectification campaign (domain §6), each with its colour."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class State(ColouredChoices):
    """Where an item stands in 拉条挂账、督办落实、办结销号."""

    PLANNING = "planning", "待制定方案"
    IN_PROGRESS = "in_progress", "整改中"
    APPLIED = "applied", "申请验收"
    CHECKED = "checked", "待双签"
    NOTICE = "notice", "公示中"
    CLOSED = "closed", "已销号"


with_colours(State, {
    State.PLANNING: "secondary", State.IN_PROGRESS: "primary", State.APPLIED: "info", State.CHECKED: "warning",
    State.NOTICE: "warning", State.CLOSED: "success",
})

OPEN_STATES = frozenset({State.PLANNING, State.IN_PROGRESS})  # the unit owes the work; the deadline runs
ACCEPTANCE_STATES = frozenset({State.APPLIED, State.CHECKED, State.NOTICE})


class Progress(ColouredChoices):
    """The unit's own account of how far the work is (推进中 / 阶段性完成 / 已完成 / 长期坚持)."""

    ONGOING = "ongoing", "推进中"
    STAGE_DONE = "stage_done", "阶段性完成"
    DONE = "done", "已完成"
    LONG_TERM = "long_term", "长期坚持"


with_colours(Progress, {Progress.ONGOING: "primary", Progress.STAGE_DONE: "info", Progress.DONE: "success",
                        Progress.LONG_TERM: "success"})

# Acceptance may be applied for once the work is done, or is a lasting duty whose measures are in place.
APPLICABLE_PROGRESS = frozenset({Progress.DONE, Progress.LONG_TERM})


class WarningColour(ColouredChoices):
    """The warning colour, computed from the milestones and stored (lists stay fast)."""

    GREEN = "green", "正常推进"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


with_colours(WarningColour, {WarningColour.GREEN: "success", WarningColour.YELLOW: "warning",
                              WarningColour.RED: "danger"})


class Horizon(models.TextChoices):
    SHORT = "short", "短期（6个月以内）"
    MEDIUM = "medium", "中期（1至2年）"
    LONG = "long", "长期"


class Granularity(models.TextChoices):
    """倒排工期: milestones by month, by week or by working day."""

    MONTH = "month", "按月"
    WEEK = "week", "按周"
    DAY = "day", "按日（工作日）"


class PostKind(ColouredChoices):
    PROGRESS = "progress", "进展报送"
    DIARY = "diary", "现场核查日记"
    REVIEW = "review", "内部审核意见"


with_colours(PostKind, {PostKind.PROGRESS: "primary", PostKind.DIARY: "info", PostKind.REVIEW: "dark"})


class Condition(models.TextChoices):
    """The five 销号 conditions (domain §6, local practice: editable labels, fixed codes)."""

    MEASURES_DONE = "measures_done", "整改措施全部完成"
    PUNISHED = "punished", "违法违规行为依法查处到位"
    NORMS_MET = "norms_met", "整改效果达到相关标准规范"
    SIMILAR_FIXED = "similar_fixed", "同一点位及园区同类问题举一反三整改到位"
    ROOT_FIXED = "root_fixed", "根源问题解决、长效机制建立"


class RecheckResult(ColouredChoices):
    PENDING = "pending", "待回头看"
    HELD = "held", "整改成果巩固"
    REBOUND = "rebound", "问题反弹"


with_colours(RecheckResult, {RecheckResult.PENDING: "secondary", RecheckResult.HELD: "success",
                             RecheckResult.REBOUND: "danger"})


class Action(models.TextChoices):
    CREATE = "create", "建账"
    IMPORT = "import", "导入"
    PLAN = "plan", "制定整改方案"
    MILESTONES = "milestones", "调整节点"
    MILESTONE_DONE = "milestone_done", "完成节点"
    PROGRESS = "progress", "报送进展"
    DIARY = "diary", "填写现场核查日记"
    REVIEW_NOTE = "review_note", "内部审核意见"
    APPLY = "apply", "申请验收"
    SITE_CHECK = "site_check", "现场核查"
    FAIL_CHECK = "fail_check", "验收不通过"
    SIGN_SUPERVISOR = "sign_supervisor", "督导方签字"
    SIGN_UNIT = "sign_unit", "责任单位签字"
    PUBLISH = "publish", "公示"
    OBJECTION = "objection", "登记异议"
    ANSWER = "answer", "答复异议"
    CONDITION = "condition", "确认销号条件"
    CLOSE = "close", "销号"
    RECHECK = "recheck", "回头看"
    REBOUND = "rebound", "回头看发现反弹"
    WARNING = "warning", "预警变化"
    DOWNLOAD = "download", "下载附件"
    # Data migration 0003: a unit signatory named before the 党组书记 rule (a 负责人) re-pointed, or left for a new
    # site check when the unit has no single 党组书记.
    SIGNATORY_REPOINTED = "signatory_repointed", "改定责任单位签字人"
    SIGNATORY_UNRESOLVED = "signatory_unresolved", "责任单位签字人待重新指定"


class ImportStatus(ColouredChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


with_colours(ImportStatus, {ImportStatus.QUEUED: "secondary", ImportStatus.RUNNING: "primary",
                            ImportStatus.DONE: "success", ImportStatus.FAILED: "danger"})
