"""数据比对模型: models (declarative specs, versioned), their runs and the hits awaiting a person's judgement (§9)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from qingshan.core.choices import JobStatus

from .choices import OPEN_HIT_STATES, HitState, Origin, Queue, RunStatus, Schedule, SpecFormat, Trigger


class CheckModel(models.Model):
    """A data-comparison model: a declarative spec over registered data sets, an owner, a schedule, a triage queue."""

    code = models.CharField("模型代码", max_length=64, unique=True)
    name = models.CharField("模型名称", max_length=100)
    description = models.TextField("说明", blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="负责人", on_delete=models.PROTECT,
                              related_name="+")
    owner_org = models.ForeignKey("orgs.Organisation", verbose_name="负责部门", on_delete=models.PROTECT,
                                  related_name="+")
    spec_text = models.TextField("模型定义")
    spec_format = models.CharField("定义格式", max_length=10, choices=SpecFormat.choices, default=SpecFormat.YAML)
    version = models.PositiveIntegerField("当前版本", default=1)
    # New models start disabled: a person enables one after previewing it (dry run).
    enabled = models.BooleanField("已启用", default=False)
    schedule = models.CharField("运行计划", max_length=10, choices=Schedule.choices, default=Schedule.NONE)
    next_run_at = models.DateTimeField("下次运行时间", null=True, blank=True, db_index=True)
    default_queue = models.CharField("默认研判队列", max_length=10, choices=Queue.choices, default=Queue.VERIFY)
    create_problems = models.BooleanField("命中直接生成问题", default=False,
                                          help_text="默认关闭：命中先进入研判队列，由人工确认后再转为问题")
    problem_category = models.ForeignKey("problems.Category", verbose_name="转问题默认类别", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    origin = models.CharField("来源", max_length=10, choices=Origin.choices, default=Origin.CUSTOM)
    # What the saved spec reads and names its subjects by, recorded at each save: who may see the model (only
    # someone who may see every data set it reads) and which shown values are personal identifiers to mask.
    datasets = models.ManyToManyField("datasets.Dataset", verbose_name="读取的数据集", blank=True, related_name="+")
    subject_columns = models.JSONField("对象字段", default=list, blank=True)
    subject_label_column = models.CharField("对象名称字段", max_length=63, blank=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = verbose_name_plural = "数据比对模型"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class CheckModelVersion(models.Model):
    """One saved spec of a model; every save is kept, with who saved it and when."""

    model = models.ForeignKey(CheckModel, verbose_name="模型", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    spec_text = models.TextField("模型定义")
    spec_format = models.CharField("定义格式", max_length=10, choices=SpecFormat.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保存人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("保存时间")
    note = models.CharField("修改说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "模型版本"
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="uniq_checkmodel_version")]

    def __str__(self):
        return f"{self.model.code} v{self.number}"


class Run(models.Model):
    """One execution of a model: what it scanned, what it found, how long it took, or why it failed."""

    model = models.ForeignKey(CheckModel, verbose_name="模型", on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(CheckModelVersion, verbose_name="模型版本", on_delete=models.PROTECT,
                                related_name="runs")
    engine = models.CharField("计算引擎", max_length=20)
    trigger = models.CharField("触发方式", max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    dry_run = models.BooleanField("试运行", default=False)
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    rows_scanned = models.BigIntegerField("扫描行数", default=0)
    hit_rows = models.BigIntegerField("命中行数", default=0)
    subjects = models.PositiveIntegerField("命中对象数", default=0)
    new_hits = models.PositiveIntegerField("新增线索", default=0)
    recurrences = models.PositiveIntegerField("再次出现", default=0)
    problems_created = models.PositiveIntegerField("直接生成问题", default=0)
    seconds = models.FloatField("耗时（秒）", default=0)
    error = models.TextField("错误信息", blank=True)
    # A dry run keeps nothing but this preview of its first subjects (for the editor).
    preview = models.JSONField("试运行预览", default=list, blank=True)
    # A dry run of unsaved editor text (草稿试运行) keeps the text it ran, {"spec_text", "spec_format"}; `version`
    # is then the saved version the draft was based on, not what ran. Null for runs of a saved version.
    draft_spec = models.JSONField("草稿定义", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "模型运行记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["model", "-started_at"], name="run_model_recent_idx")]

    def __str__(self):
        return f"{self.model.code} #{self.pk}"

    @property
    def status_colour(self) -> str:
        return RunStatus.colour_of(self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    @property
    def is_draft(self) -> bool:
        """Whether this was a dry run of unsaved editor text rather than of a saved version."""
        return self.draft_spec is not None


class Hit(models.Model):
    """A subject the model flagged (命中线索), waiting for a person to judge it (研判); never closed by the data."""

    model = models.ForeignKey(CheckModel, verbose_name="模型", on_delete=models.CASCADE, related_name="hits")
    subject_key = models.CharField("对象标识", max_length=200)
    subject_label = models.CharField("对象名称", max_length=200, blank=True)
    state = models.CharField("状态", max_length=10, choices=HitState.choices, default=HitState.NEW)
    queue = models.CharField("研判队列", max_length=10, choices=Queue.choices)
    first_run = models.ForeignKey(Run, verbose_name="首次发现", on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(Run, verbose_name="最近发现", on_delete=models.PROTECT, related_name="+")
    first_seen_at = models.DateTimeField("首次发现时间")
    last_seen_at = models.DateTimeField("最近发现时间", db_index=True)
    occurrences = models.PositiveIntegerField("出现次数", default=1)
    # Set when a later run no longer shows the subject: a hint for the person deciding, never a closing.
    absent_in_last_run = models.BooleanField("本次未再出现", default=False)
    hit_rows = models.PositiveIntegerField("命中行数", default=0)
    evidence = models.JSONField("证据样本", default=list, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    region = models.ForeignKey("orgs.Region", verbose_name="所在区划", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    problem = models.ForeignKey("problems.Problem", verbose_name="转入问题", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey("self", verbose_name="此前已排除的线索", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="recurred_as")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="研判人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("研判时间", null=True, blank=True)
    reason = models.TextField("研判意见", blank=True)
    # The seals of the batches the evidence came from, kept when the hit is confirmed (issue 16): the batches holding
    # its subject's rows and their joined rows (lineage.py). Their rows are re-hashed on the hit's and problem's pages.
    evidence_seals = models.ManyToManyField("datasets.BatchSeal", verbose_name="证据所在批次的封存", blank=True,
                                            related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "命中线索"
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            # Dedup: one open hit per (model, subject); a recurrence updates it instead of adding another.
            models.UniqueConstraint(fields=["model", "subject_key"], condition=Q(state__in=OPEN_HIT_STATES),
                                    name="uniq_open_hit_per_subject"),
        ]
        indexes = [models.Index(fields=["state", "queue", "-last_seen_at"], name="hit_triage_idx"),
                   models.Index(fields=["model", "state"], name="hit_model_state_idx")]

    def __str__(self):
        return f"{self.model.code}：{self.subject_label or self.subject_key}"

    @property
    def state_colour(self) -> str:
        return HitState.colour_of(self.state)

    @property
    def queue_colour(self) -> str:
        return Queue.colour_of(self.queue)


class EvidenceExport(models.Model):
    """One evidence package (证据包) of a confirmed hit, written by the background worker (issue 16): the page that
    asked follows its progress; the finished zip is kept with its SHA-256 (also in the audit chain)."""

    hit = models.ForeignKey(Hit, verbose_name="命中线索", on_delete=models.CASCADE, related_name="evidence_exports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveBigIntegerField("总行数", default=0)
    rows_written = models.PositiveBigIntegerField("已写行数", default=0)
    stored_path = models.CharField(max_length=500, blank=True, editable=False,
                                   help_text="the zip under JOB_FILES_DIR (0600) once written")
    filename = models.CharField("文件名", max_length=255, blank=True)
    sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "证据包导出"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"证据包 #{self.pk}（线索 {self.hit_id}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def status_colour(self) -> str:
        return JobStatus.colour_of(self.status)

    @property
    def progress(self) -> int:
        """Percent of rows written (100 once done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)
