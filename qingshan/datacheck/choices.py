"""Choice sets of 数据比对模型 (domain §9), each with its colour."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class SpecFormat(models.TextChoices):
    YAML = "yaml", "YAML"
    JSON = "json", "JSON"


class Schedule(models.TextChoices):
    NONE = "none", "不定时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"


class Origin(models.TextChoices):
    CATALOGUE = "catalogue", "模型目录"
    CUSTOM = "custom", "自定义"


class Queue(ColouredChoices):
    RECTIFY = "rectify", "整改类"
    VERIFY = "verify", "核查类"
    URGENT = "urgent", "加急"


with_colours(Queue, {Queue.RECTIFY: "primary", Queue.VERIFY: "info", Queue.URGENT: "danger"})


class Trigger(models.TextChoices):
    MANUAL = "manual", "手动"
    SCHEDULED = "scheduled", "定时"
    API = "api", "接口"


class RunStatus(ColouredChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


with_colours(RunStatus, {RunStatus.QUEUED: "secondary", RunStatus.RUNNING: "info", RunStatus.SUCCEEDED: "success",
                         RunStatus.FAILED: "danger"})


class HitState(ColouredChoices):
    NEW = "new", "待研判"
    VERIFYING = "verifying", "核查中"
    CONVERTED = "converted", "已转问题"
    DISMISSED = "dismissed", "已排除"


with_colours(HitState, {HitState.NEW: "warning", HitState.VERIFYING: "info", HitState.CONVERTED: "success",
                        HitState.DISMISSED: "secondary"})

# A hit stays open (and absorbs recurrences) until a person dismisses it; one turned into a problem keeps counting
# recurrences too, so the problem's handlers see the data still shows it.
OPEN_HIT_STATES = (HitState.NEW, HitState.VERIFYING, HitState.CONVERTED)
# States in which a person may still decide (研判).
UNDECIDED_HIT_STATES = (HitState.NEW, HitState.VERIFYING)


class Action(models.TextChoices):
    CREATE = "create", "新建模型"
    UPDATE = "update", "修改模型"
    ENABLE = "enable", "启用模型"
    DISABLE = "disable", "停用模型"
    SCHEDULE = "schedule", "设置运行计划"
    RUN = "run", "运行模型"
    RUN_REFUSED = "run_refused", "拒绝运行模型"
    REVEAL = "reveal_identifiers", "查看个人信息明文"
    CONFIRM = "confirm", "确认转为问题"
    VERIFY = "verify", "转核查"
    DISMISS = "dismiss", "排除"
    EVIDENCE_EXPORT = "evidence_export", "导出证据包"
    EVIDENCE_EXPORT_DONE = "evidence_export_done", "证据包已生成"
    EVIDENCE_EXPORT_FAILED = "evidence_export_failed", "证据包生成失败"
