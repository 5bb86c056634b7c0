"""The work loop's records: problems, their unit assignments, extensions, attachments and reporters (domain §4)."""
from django.conf import settings
from django.db import models
from django.dispatch import Signal

from qingshan.core.models import StoredFile

from .choices import (
    OPEN_STATES,
    TERMINAL_STATES,
    AssignmentRole,
    AttachmentPurpose,
    EscalationLevel,
    ExtensionStatus,
    State,
    Urgency,
)

# Sent (with `problem_ids`) after problems were written together by bulk registration, in its transaction: bulk_create
# sends no post_save, so what follows each saved problem (the KPI facts) listens here too.
problems_bulk_created = Signal()


class Source(models.Model):
    """Where problems come from (reference data)."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    has_citizen_reporter = models.BooleanField("有群众来电人", default=False, help_text="如 12345/12369 热线")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "问题来源"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class Category(models.Model):
    """What kind of problem it is (reference data)."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class TimeLimitRule(models.Model):
    """Time limits in working days for a source and/or category; the most specific matching rule wins."""

    source = models.ForeignKey(Source, verbose_name="来源", null=True, blank=True, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, verbose_name="类别", null=True, blank=True, on_delete=models.CASCADE)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, blank=True,
                               help_text="留空表示不限")
    sign_days = models.PositiveSmallIntegerField("签收时限（工作日）", default=1)
    handle_days = models.PositiveSmallIntegerField("办理时限（工作日）", default=15, help_text="0 表示当日办结")
    extension_notice_days = models.PositiveSmallIntegerField("延期须提前（工作日）", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "办理时限规则"
        constraints = [models.UniqueConstraint(fields=["source", "category", "urgency"], name="uniq_time_rule",
                                               nulls_distinct=False)]

    def __str__(self):
        scope = f"{self.source or '任意来源'} / {self.category or '任意类别'}"
        return f"{scope}：签收{self.sign_days}日，办理{self.handle_days}日"

    @property
    def specificity(self) -> int:
        return (4 if self.urgency else 0) + (2 if self.source_id else 0) + (1 if self.category_id else 0)


class Problem(models.Model):
    """An environmental or duty problem (工单) moving through the work loop."""

    number = models.CharField("编号", max_length=20, unique=True)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("问题描述")
    source = models.ForeignKey(Source, verbose_name="来源", on_delete=models.PROTECT)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT)
    region = models.ForeignKey("orgs.Region", verbose_name="所在区划", on_delete=models.PROTECT)
    region_path = models.CharField(max_length=255, db_index=True, editable=False,
                                   help_text="copy of region.path: jurisdiction filters without a join")
    location = models.CharField("具体位置", max_length=200, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True)

    received_at = models.DateTimeField("登记时间")
    received_on = models.DateField("受理日期", db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")
    supervising_org = models.ForeignKey("orgs.Organisation", verbose_name="督办单位", on_delete=models.PROTECT,
                                        related_name="supervised_problems")
    lead_unit = models.ForeignKey("orgs.Organisation", verbose_name="主办单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="led_problems")

    # Deadlines are dates (domain §8); the original handling deadline is kept when extensions move it.
    sign_deadline = models.DateField("签收期限", null=True, blank=True)
    handle_deadline = models.DateField("办理期限", null=True, blank=True, db_index=True)
    original_handle_deadline = models.DateField("原办理期限", null=True, blank=True)

    first_dispatched_at = models.DateTimeField("首次交办时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("申请办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)
    # Frozen at the transition that meets or misses the limit, so past statistics never drift.
    signed_on_time = models.BooleanField("按时签收", null=True, blank=True)
    replied_on_time = models.BooleanField("按期申请办结", null=True, blank=True)
    closed_on_time = models.BooleanField("按期办结", null=True, blank=True)

    review_count = models.PositiveSmallIntegerField("审核次数", default=0)
    rejection_count = models.PositiveSmallIntegerField("发回重办次数", default=0)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    reassign_count = models.PositiveSmallIntegerField("改派次数", default=0)
    escalation_level = models.PositiveSmallIntegerField("督办等级", choices=EscalationLevel.choices, default=0)
    reply_text = models.TextField("办理情况", blank=True)
    revisit_satisfied = models.BooleanField("回访满意", null=True, blank=True)
    revisit_resolved = models.BooleanField("回访已解决", null=True, blank=True)

    merged_into = models.ForeignKey("self", verbose_name="并入问题", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="duplicates")
    is_restricted = models.BooleanField("限定知悉范围", default=False)
    restricted_to = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="知悉人员", blank=True,
                                           related_name="restricted_problems")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "handle_deadline"], name="problem_state_deadline_idx"),
            models.Index(fields=["lead_unit", "state"], name="problem_lead_state_idx"),
            models.Index(fields=["region_path", "received_on"], name="problem_region_recv_idx"),
            models.Index(fields=["-received_at", "-id"], name="problem_recent_idx"),
            # Covering the visibility rule's id sets (access/problems.py), read index-only.
            models.Index(fields=["lead_unit", "id"], name="problem_lead_id_idx"),
            models.Index(fields=["supervising_org", "id"], name="problem_superv_id_idx"),
            # A commission's jurisdiction (a region_path prefix: LIKE on the pattern operators) with what its
            # visibility rule reads, so that an unfiltered list's bounded count reads 10,001 index entries instead of
            # a district's heap pages (a district commission's 问题清单: 42 ms of the page at 1,000,000 problems).
            models.Index(fields=["region_path"], opclasses=["varchar_pattern_ops"], include=["id", "is_restricted"],
                         name="problem_region_scope_idx"),
            # The unfinished problems only (a few percent of a million), by lead unit: a unit's queues read their
            # counts index-only, and a partner's or group's open work joins its audience ids to the whole of it
            # instead of scanning every problem ever received (bench/RESULTS_pages_audience.md).
            models.Index(fields=["lead_unit", "id"], include=["state", "is_restricted", "handle_deadline"],
                         condition=~models.Q(state__in=sorted(TERMINAL_STATES)), name="problem_open_idx"),
            # The open problems by handling deadline, covering what the overdue queues and ?overdue=1 read
            # (kpis.overdue_now) and the visibility rule's columns: a commission's 已超期 (29,735 of 1,000,000
            # problems) is counted index-only instead of reading each one's heap page (replaced problems 0002's
            # uncovered index of the same rows).
            models.Index(fields=["handle_deadline"],
                         include=["id", "state", "region_path", "is_restricted", "first_dispatched_at",
                                  "replied_on_time", "created_by_id", "lead_unit_id"],
                         condition=models.Q(closed_at__isnull=True), name="problem_overdue_idx"),
            # The red list (红色督办): open problems at red, earliest deadline first, with what its visibility and
            # grouping read; a few hundred rows, instead of every open problem filtered by escalation level.
            models.Index(fields=["handle_deadline", "id"], include=["lead_unit", "region_path", "is_restricted"],
                         condition=models.Q(escalation_level__gte=EscalationLevel.RED, state__in=sorted(OPEN_STATES)),
                         name="problem_red_open_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def state_colour(self) -> str:
        return State.colour_of(self.state)


class Assignment(models.Model):
    """A unit's part in a problem: lead (主办) or co-unit (协办). Ended assignments stay as history."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("orgs.Organisation", verbose_name="单位", on_delete=models.PROTECT,
                             related_name="assignments")
    role = models.CharField("角色", max_length=5, choices=AssignmentRole.choices)
    is_active = models.BooleanField("有效", default=True)
    assigned_at = models.DateTimeField("交办时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "承办单位"
        indexes = [models.Index(fields=["unit", "is_active", "problem"], name="assignment_unit_idx")]


class Extension(models.Model):
    """A request to move the handling deadline; the original stays on the problem."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间")
    old_deadline = models.DateField("原期限")
    requested_deadline = models.DateField("申请延至")
    reason = models.TextField("申请理由")
    status = models.CharField("状态", max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_reason = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["requested_at"]
        constraints = [models.UniqueConstraint(fields=["problem"], condition=models.Q(status="pending"),
                                               name="one_pending_extension")]


def attachment_path(instance, filename):
    # Random, non-guessable storage name; the original name is kept on the record only.
    return f"attachments/{instance.problem_id}/{instance.stored_token}"


class Attachment(StoredFile):
    """A file on a problem. Stored outside the web root; served only by a view that checks access."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField("用途", max_length=20, choices=AttachmentPurpose.choices)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    uploaded_by_org = models.ForeignKey("orgs.Organisation", verbose_name="上传单位", null=True,
                                        on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]


class Reporter(models.Model):
    """A citizen reporter's contact details: personal data, encrypted at rest, revealed only through access."""

    problem = models.OneToOneField(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="reporter")
    name_encrypted = models.TextField()
    phone_encrypted = models.TextField()
    name_masked = models.CharField("姓名（脱敏）", max_length=50)
    phone_masked = models.CharField("电话（脱敏）", max_length=30)

    class Meta:
        verbose_name = verbose_name_plural = "来电人信息"


class Share(models.Model):
    """A transfer (移送) of a problem to a partner body, which may then see it."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="shares")
    partner = models.ForeignKey("orgs.Organisation", verbose_name="协作单位", on_delete=models.PROTECT,
                                related_name="shared_problems")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="移送人", on_delete=models.PROTECT,
                                  related_name="+")
    shared_at = models.DateTimeField("移送时间")
    reason = models.TextField("移送理由")

    class Meta:
        verbose_name = verbose_name_plural = "移送记录"
        constraints = [models.UniqueConstraint(fields=["problem", "partner"], name="uniq_share")]


class NumberCounter(models.Model):
    """Per-year sequence for problem numbers (QS-2026-000001), incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号计数器"


class ProblemAudience(models.Model):
    """Who a problem is addressed to now, besides the commissions seeing their jurisdiction: its lead unit, active
    co-units, supervising stationed group and the partners it was transferred to. One row per (problem, organisation).

    Derived data, rewritten by `problems.audience.refresh` in the transaction of every change of those (the services)
    and read by the visibility rule (access/problems.py). A table of its own because PostgreSQL cannot estimate a
    UNION of four id sets (it guessed 200 rows for 60,000 and chose nested loops); here the organisation column has
    statistics of its own. Per-item restriction (`is_restricted`) is copied onto every row, so that the bounded count
    of an unfiltered list of what is addressed to someone is answered from this table alone, never by joining a scan
    of the problems to check it (the named people are still read from `Problem.restricted_to`; pages, which read the
    problem rows anyway, check the problem's own flag).
    """

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # uniq_problem_audience leads with it
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+",
                                     db_index=False)
    received_at = models.DateTimeField(help_text="copy of problem.received_at: an organisation's newest first")
    is_restricted = models.BooleanField(default=False, help_text="copy of problem.is_restricted")

    class Meta:
        verbose_name = verbose_name_plural = "问题知悉单位"
        constraints = [models.UniqueConstraint(fields=["problem", "organisation"], name="uniq_problem_audience")]
        # is_restricted last: an organisation's bounded count is an index-only read of this index.
        indexes = [models.Index(fields=["organisation", "-received_at", "problem", "is_restricted"],
                                name="audience_org_recent_idx")]
