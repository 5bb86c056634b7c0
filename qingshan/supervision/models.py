"""Supervision lists (监督清单, domain §3): plans, themes, key tasks and indicators, key projects, supervision items,
their assignments to supervising bodies, report slots per period, reports with activities, findings and
rectifications (整改清单)."""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from qingshan.core.models import StoredFile

from .choices import (
    COUNT_UNITS,
    ActivityKind,
    Cadence,
    Direction,
    EscalationLevel,
    ImportStatus,
    RectificationStatus,
    ReportStatus,
    SlotState,
    Stage,
)


class Plan(models.Model):
    """An annual supervision plan (年度监督计划) of one commission."""

    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=200)
    commission = models.ForeignKey("orgs.Organisation", verbose_name="纪委监委", on_delete=models.PROTECT,
                                   related_name="supervision_plans")
    region_path = models.CharField(max_length=255, db_index=True, editable=False,
                                   help_text="copy of the commission's region path: jurisdiction without a join")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度监督计划"
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["commission", "year"], name="uniq_plan_year")]

    def __str__(self):
        return self.title


class Theme(models.Model):
    """A theme or module of a plan (e.g. 长江大保护)."""

    plan = models.ForeignKey(Plan, verbose_name="监督计划", on_delete=models.CASCADE, related_name="themes")
    name = models.CharField("名称", max_length=100)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "监督主题"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="uniq_theme_name")]

    def __str__(self):
        return self.name


class KeyTask(models.Model):
    """A key task (重点任务) under a theme, followed by an office and a commission leader."""

    theme = models.ForeignKey(Theme, verbose_name="监督主题", on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField("任务名称", max_length=200)
    description = models.TextField("任务内容", blank=True)
    lead_unit = models.ForeignKey("orgs.Organisation", verbose_name="牵头单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("orgs.Organisation", verbose_name="监督责任部室", on_delete=models.PROTECT,
                               related_name="supervision_tasks")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="包联领导", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "重点任务"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.title


class Indicator(models.Model):
    """A quantified indicator of a key task: from a baseline to a target by a deadline, in a direction.

    Off track (偏离进度), judged on the latest reading and a day `today`:
    - before or on the deadline: the reading is behind the straight line drawn from (start date, baseline) to
      (deadline, target), evaluated at the reading's date — below it for "≥", above it for "≤";
    - after the deadline: the latest reading has not reached the target ("≥": value < target; "≤": value > target).
    With no reading yet the indicator is off track only once the deadline has passed. The stored `off_track` is
    recomputed at every reading (through the service) so the reminder engine can select it with one index.
    """

    task = models.ForeignKey(KeyTask, verbose_name="重点任务", on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("指标名称", max_length=200)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    baseline = models.DecimalField("基期值", max_digits=18, decimal_places=4)
    target = models.DecimalField("目标值", max_digits=18, decimal_places=4)
    direction = models.CharField("方向", max_length=2, choices=Direction.choices, default=Direction.AT_LEAST)
    start_date = models.DateField("基期日期")
    deadline = models.DateField("完成期限", db_index=True)
    latest_value = models.DecimalField("最新值", max_digits=18, decimal_places=4, null=True, blank=True)
    latest_on = models.DateField("最新读数日期", null=True, blank=True)
    off_track = models.BooleanField("偏离进度", default=False, db_index=True)
    met_on = models.DateField("达标日期", null=True, blank=True,
                              help_text="首次达到目标值的读数日期；达标后不再提醒")
    escalation_level = models.PositiveSmallIntegerField("督办等级", choices=EscalationLevel.choices, default=0)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "指标"
        ordering = ["task_id", "id"]

    def __str__(self):
        return self.name

    @property
    def counts_things(self) -> bool:
        """Whether the indicator counts things (its unit is 个, 家, 项 …), so every value is a whole number."""
        return self.unit in COUNT_UNITS

    def reaches(self, value: Decimal) -> bool:
        """Whether `value` meets the target in this indicator's direction."""
        return value >= self.target if self.direction == Direction.AT_LEAST else value <= self.target

    def expected_at(self, day: dt.date) -> Decimal:
        """The straight-line value expected on `day` (the target itself from the deadline on)."""
        span = (self.deadline - self.start_date).days
        if span <= 0 or day >= self.deadline:
            return self.target
        if day <= self.start_date:
            return self.baseline
        return self.baseline + (self.target - self.baseline) * Decimal((day - self.start_date).days) / Decimal(span)

    def is_off_track(self, today: dt.date) -> bool:
        """The rule of the class docstring, for the latest reading as of `today`."""
        if self.latest_value is None:
            return today > self.deadline
        if today > self.deadline or self.latest_on >= self.deadline:
            return not self.reaches(self.latest_value)
        expected = self.expected_at(self.latest_on)
        if self.direction == Direction.AT_LEAST:
            return self.latest_value < expected
        return self.latest_value > expected

    @property
    def progress_percent(self) -> int:
        """How far the latest value has moved from the baseline to the target, 0–100."""
        if self.latest_value is None or self.target == self.baseline:
            return 100 if self.latest_value is not None and self.reaches(self.latest_value) else 0
        share = (self.latest_value - self.baseline) / (self.target - self.baseline) * 100
        return int(max(0, min(100, share)))


class IndicatorReading(models.Model):
    """One measured value of an indicator on a date."""

    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField("数值", max_digits=18, decimal_places=4)
    read_on = models.DateField("日期")
    source = models.CharField("数据来源", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标读数"
        ordering = ["indicator_id", "read_on", "id"]


class KeyProject(models.Model):
    """A key project (重点项目) with its stage, schedule, leader in charge and integrity-risk points."""

    plan = models.ForeignKey(Plan, verbose_name="监督计划", on_delete=models.PROTECT, related_name="projects")
    theme = models.ForeignKey(Theme, verbose_name="监督主题", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="projects")
    tasks = models.ManyToManyField(KeyTask, verbose_name="关联重点任务", blank=True, related_name="projects")
    name = models.CharField("项目名称", max_length=200)
    responsible_unit = models.ForeignKey("orgs.Organisation", verbose_name="责任单位", on_delete=models.PROTECT,
                                         related_name="key_projects")
    region = models.ForeignKey("orgs.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    investment = models.DecimalField("总投资（万元）", max_digits=14, decimal_places=2, default=0)
    planned_start = models.DateField("计划开工")
    planned_end = models.DateField("计划完工")
    stage = models.CharField("当前阶段", max_length=20, choices=Stage.choices, default=Stage.PLANNING)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="包联领导", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    risk_points = models.JSONField("廉政风险点", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "重点项目"
        ordering = ["id"]

    def __str__(self):
        return self.name


class ProjectStageChange(models.Model):
    """One move of a key project from a stage to another (the stage history)."""

    project = models.ForeignKey(KeyProject, verbose_name="重点项目", on_delete=models.CASCADE,
                                related_name="stage_changes")
    from_stage = models.CharField("原阶段", max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField("新阶段", max_length=20, choices=Stage.choices)
    changed_on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "项目阶段记录"
        ordering = ["project_id", "changed_on", "id"]


class SupervisionItem(models.Model):
    """A supervision item (监督事项): what to check, on what basis, reported by its assignees at a cadence."""

    plan = models.ForeignKey(Plan, verbose_name="监督计划", on_delete=models.PROTECT, related_name="items")
    title = models.CharField("监督事项", max_length=200)
    content = models.TextField("监督内容")
    basis = models.CharField("监督依据", max_length=300, blank=True)
    office = models.ForeignKey("orgs.Organisation", verbose_name="牵头部室", on_delete=models.PROTECT,
                               related_name="supervision_items")
    task = models.ForeignKey(KeyTask, verbose_name="关联重点任务", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="items")
    project = models.ForeignKey(KeyProject, verbose_name="关联重点项目", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="items")
    cadence = models.CharField("报送周期", max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    custom_days = models.PositiveSmallIntegerField("自定义周期（天）", null=True, blank=True)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    due_days = models.PositiveSmallIntegerField("每期结束后报送时限（工作日）", default=5)
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    assignees = models.ManyToManyField("orgs.Organisation", through="Assignment", verbose_name="承办监督主体",
                                       related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("建账时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监督事项"
        ordering = ["-id"]

    def __str__(self):
        return self.title


class Assignment(models.Model):
    """A supervising body (stationed group or district commission) charged with reporting on an item."""

    item = models.ForeignKey(SupervisionItem, verbose_name="监督事项", on_delete=models.CASCADE,
                             related_name="assignments")
    org = models.ForeignKey("orgs.Organisation", verbose_name="承办监督主体", on_delete=models.PROTECT,
                            related_name="supervision_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="分派人", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField("分派时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监督事项分派"
        ordering = ["item_id", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "org"], name="uniq_item_assignee")]

    def __str__(self):
        return f"{self.item} · {self.org}"


class ReportSlot(models.Model):
    """One period's report owed by one assignee: due date in working days after the period; state of the report."""

    assignment = models.ForeignKey(Assignment, verbose_name="分派", on_delete=models.CASCADE, related_name="slots")
    # Copies of assignment.item / assignment.org: lists and the reminder engine filter without joins.
    item = models.ForeignKey(SupervisionItem, verbose_name="监督事项", on_delete=models.CASCADE,
                             related_name="slots")
    org = models.ForeignKey("orgs.Organisation", verbose_name="承办监督主体", on_delete=models.PROTECT,
                            related_name="supervision_slots")
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    label = models.CharField("期次", max_length=30)
    due_date = models.DateField("报送期限")
    state = models.CharField("状态", max_length=12, choices=SlotState.choices, default=SlotState.PENDING)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    # Frozen at the first submission: a later return and resubmission does not change whether it came in on time.
    on_time = models.BooleanField("按时报送", null=True, blank=True)
    approved_at = models.DateTimeField("通过时间", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("督办等级", choices=EscalationLevel.choices, default=0)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "报送期次"
        ordering = ["period_start", "org_id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "period_start"], name="uniq_slot_period")]
        indexes = [models.Index(fields=["state", "due_date"], name="sup_slot_open_due")]

    def __str__(self):
        return f"{self.item} · {self.org} · {self.label}"


class Report(models.Model):
    """One submitted version of a slot's report; a resubmission adds a version and keeps the returned one."""

    slot = models.ForeignKey(ReportSlot, verbose_name="报送期次", on_delete=models.CASCADE, related_name="reports")
    version = models.PositiveSmallIntegerField("版本")
    summary = models.TextField("工作情况")
    status = models.CharField("审核状态", max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("报送时间")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "报送材料"
        ordering = ["slot_id", "version"]
        constraints = [models.UniqueConstraint(fields=["slot", "version"], name="uniq_report_version")]


def report_file_path(instance, filename):
    # Random, non-guessable storage name; the original name is kept on the record only.
    return f"report_files/{instance.report.slot_id}/{instance.stored_token}"


class ReportAttachment(StoredFile):
    """A file of evidence (佐证: photos, minutes, documents) submitted with one version of a report. Stored outside
    the web root and served only by a view that checks the reader may see the slot."""

    report = models.ForeignKey(Report, verbose_name="报送材料", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=report_file_path, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "报送佐证材料"
        ordering = ["report_id", "id"]


class Activity(models.Model):
    """One supervision activity done in the period (电话访问, 实地查看 …)."""

    report = models.ForeignKey(Report, verbose_name="报送材料", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField("方式", max_length=15, choices=ActivityKind.choices)
    happened_on = models.DateField("日期")
    note = models.CharField("情况", max_length=500)

    class Meta:
        verbose_name = verbose_name_plural = "监督活动"
        ordering = ["report_id", "happened_on", "id"]


class Finding(models.Model):
    """A problem found in the period; it becomes a problem of the work loop (问题清单) and stays linked."""

    report = models.ForeignKey(Report, verbose_name="报送材料", on_delete=models.CASCADE, related_name="findings")
    problem = models.OneToOneField("problems.Problem", verbose_name="问题", on_delete=models.PROTECT,
                                   related_name="supervision_finding")

    class Meta:
        verbose_name = verbose_name_plural = "发现问题"
        ordering = ["report_id", "id"]


class Rectification(models.Model):
    """An entry of the rectification list (整改清单) followed by an assignee, opened in one report."""

    item = models.ForeignKey(SupervisionItem, verbose_name="监督事项", on_delete=models.PROTECT,
                             related_name="rectifications")
    slot = models.ForeignKey(ReportSlot, verbose_name="报送期次", on_delete=models.PROTECT,
                             related_name="rectifications")
    report = models.ForeignKey(Report, verbose_name="建账报送", on_delete=models.PROTECT,
                               related_name="rectifications")
    title = models.CharField("整改事项", max_length=200)
    measures = models.TextField("整改措施")
    responsible_unit = models.ForeignKey("orgs.Organisation", verbose_name="责任单位", on_delete=models.PROTECT,
                                         related_name="+")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.IN_PROGRESS)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    problem = models.ForeignKey("problems.Problem", verbose_name="关联问题", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="supervision_rectifications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="建账人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("建账时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改清单"
        ordering = ["-id"]

    def __str__(self):
        return self.title


class ImportJob(models.Model):
    """One uploaded .xlsx of supervision items or indicator readings, read and imported (all rows or none) by the
    background worker; the page that started it follows its status."""

    kind = models.CharField("导入类型", max_length=10)  # a key of excel.IMPORTS
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False,
                                   help_text="the upload kept under JOB_FILES_DIR until the import ends")
    size = models.BigIntegerField("文件大小（字节）", default=0)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_imported = models.PositiveIntegerField("导入行数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "Excel 导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def status_colour(self) -> str:
        return ImportStatus.colour_of(self.status)
