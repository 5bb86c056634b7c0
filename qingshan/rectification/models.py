"""The rectification campaign of inspection-feedback items (督察反馈问题整改, domain §6): campaigns, items with the
unit's plan, milestones planned backwards, progress posts and site-check diaries with files, acceptance with a dual
signature, public notice with objections, the five 销号 conditions and 回头看 re-checks.

`supervision.Rectification` (an entry of a supervision report's 整改清单) is a different, lighter record: an item
here may point to one (`supervision_entry`) or to the problem behind it (`problem`); neither is copied.
"""
from django.conf import settings
from django.db import models

from qingshan.core.models import StoredFile

from .choices import (
    Condition,
    Granularity,
    Horizon,
    ImportStatus,
    PostKind,
    Progress,
    RecheckResult,
    State,
    WarningColour,
)


class Campaign(models.Model):
    """A rectification campaign, e.g. 第二轮中央生态环境保护督察反馈问题整改, owned by a commission."""

    name = models.CharField("整改工作名称", max_length=200)
    year = models.PositiveIntegerField("年度")
    basis = models.CharField("反馈来源", max_length=200, blank=True, help_text="如 中央第二生态环境保护督察组反馈意见")
    commission = models.ForeignKey("orgs.Organisation", verbose_name="牵头纪委监委", on_delete=models.PROTECT,
                                   related_name="rectification_campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "整改工作"
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.name


class Item(models.Model):
    """One feedback item being rectified (整改事项): the unit's plan, its milestones, its colour and its acceptance."""

    campaign = models.ForeignKey(Campaign, verbose_name="整改工作", on_delete=models.PROTECT, related_name="items")
    number = models.CharField("编号", max_length=30, unique=True)
    title = models.CharField("整改事项", max_length=200)
    feedback = models.TextField("督察反馈问题")
    region = models.ForeignKey("orgs.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    supervising_org = models.ForeignKey("orgs.Organisation", verbose_name="督导单位", on_delete=models.PROTECT,
                                        related_name="supervised_rectification_items")
    lead_unit = models.ForeignKey("orgs.Organisation", verbose_name="牵头责任单位", on_delete=models.PROTECT,
                                  related_name="led_rectification_items")
    co_units = models.ManyToManyField("orgs.Organisation", verbose_name="配合单位", blank=True,
                                      related_name="co_rectification_items")
    problem = models.ForeignKey("problems.Problem", verbose_name="关联问题", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="rectification_items")
    supervision_entry = models.ForeignKey("supervision.Rectification", verbose_name="关联监督整改清单条目", null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="campaign_items")

    # The unit's plan.
    target = models.TextField("整改目标", blank=True)
    measures = models.TextField("整改措施", blank=True)
    responsible_leader = models.CharField("责任领导", max_length=50, blank=True)
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    horizon = models.CharField("整改时限类型", max_length=10, choices=Horizon.choices, default=Horizon.SHORT)
    deadline = models.DateField("整改期限", db_index=True)
    original_deadline = models.DateField("原整改期限")
    granularity = models.CharField("倒排工期方式", max_length=10, choices=Granularity.choices, blank=True)

    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PLANNING)
    progress = models.CharField("整改进度", max_length=20, choices=Progress.choices, default=Progress.ONGOING)
    # Stored, recomputed by the services that change milestones and by the daily job (scheduled.py).
    warning = models.CharField("预警", max_length=10, choices=WarningColour.choices, default=WarningColour.GREEN)
    warning_on = models.DateField("预警计算日期", null=True, blank=True)
    missed_milestones = models.PositiveSmallIntegerField("逾期未完成节点数", default=0)

    # Acceptance (验收): application, on-site check, the two named signatories, public notice, 销号.
    applied_at = models.DateTimeField("申请验收时间", null=True, blank=True)
    applied_on_time = models.BooleanField("按期申请验收", null=True, blank=True)
    check_due = models.DateField("现场核查期限", null=True, blank=True)
    checked_at = models.DateTimeField("现场核查时间", null=True, blank=True)
    check_note = models.TextField("现场核查情况", blank=True)
    supervisor_signatory = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督导方签字人", null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+")
    unit_signatory = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任单位签字人", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    supervisor_signed_at = models.DateTimeField("督导方签字时间", null=True, blank=True)
    unit_signed_at = models.DateTimeField("责任单位签字时间", null=True, blank=True)
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示截止", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    rebound_count = models.PositiveSmallIntegerField("反弹次数", default=0)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="建账人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("建账时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["campaign", "state", "deadline"], name="rect_campaign_state_idx"),
            models.Index(fields=["lead_unit", "state"], name="rect_lead_state_idx"),
            models.Index(fields=["supervising_org", "state"], name="rect_sup_state_idx"),
            models.Index(fields=["warning", "deadline"], name="rect_warning_idx"),
            models.Index(fields=["deadline", "id"], name="rect_order_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def state_colour(self) -> str:
        return State.colour_of(self.state)

    @property
    def warning_colour(self) -> str:
        return WarningColour.colour_of(self.warning)

    @property
    def progress_colour(self) -> str:
        return Progress.colour_of(self.progress)


class Milestone(models.Model):
    """One node of the plan (倒排工期), proposed backwards from the deadline and adjusted by the unit."""

    item = models.ForeignKey(Item, verbose_name="整改事项", on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点内容", max_length=200)
    due_on = models.DateField("节点期限", db_index=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "整改节点"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["item", "done_on", "due_on"], name="rect_milestone_open_idx")]

    def __str__(self):
        return f"{self.due_on} {self.title}"


class Post(models.Model):
    """A progress report, a site-check diary entry (现场核查日记) or an internal review comment (never shown to a
    unit)."""

    item = models.ForeignKey(Item, verbose_name="整改事项", on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField("类型", max_length=10, choices=PostKind.choices)
    happened_on = models.DateField("日期")
    text = models.TextField("内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT,
                               related_name="+")
    author_org = models.ForeignKey("orgs.Organisation", verbose_name="填写单位", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("填写时间")

    class Meta:
        verbose_name = verbose_name_plural = "进展与核查日记"
        ordering = ["-happened_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.happened_on}"


def post_file_path(instance, filename):
    # Random, non-guessable storage name; the original name is kept on the record only.
    return f"rectification/{instance.post.item_id}/{instance.stored_token}"


class PostFile(StoredFile):
    """A photo or file of a post, stored outside the web root and served only after the access check."""

    post = models.ForeignKey(Post, verbose_name="记录", on_delete=models.CASCADE, related_name="files")
    file = models.FileField("文件", upload_to=post_file_path, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "整改附件"
        ordering = ["uploaded_at", "id"]


class Objection(models.Model):
    """An objection raised during the public notice (公示), recorded and answered before 销号."""

    item = models.ForeignKey(Item, verbose_name="整改事项", on_delete=models.CASCADE, related_name="objections")
    raised_on = models.DateField("提出日期")
    raised_by = models.CharField("提出人（或来源）", max_length=100)
    content = models.TextField("异议内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["raised_on", "id"]

    def __str__(self):
        return f"{self.raised_on} {self.raised_by}"


class ConditionCheck(models.Model):
    """One of the five 销号 conditions, confirmed with its evidence by a supervisor."""

    item = models.ForeignKey(Item, verbose_name="整改事项", on_delete=models.CASCADE, related_name="conditions")
    condition = models.CharField("销号条件", max_length=20, choices=Condition.choices)
    evidence = models.TextField("佐证")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间")

    class Meta:
        verbose_name = verbose_name_plural = "销号条件"
        constraints = [models.UniqueConstraint(fields=["item", "condition"], name="rect_uniq_condition")]

    def __str__(self):
        return self.get_condition_display()


class Recheck(models.Model):
    """A 回头看 scheduled after 销号; its result either confirms the outcome or reopens the item as a rebound."""

    item = models.ForeignKey(Item, verbose_name="整改事项", on_delete=models.CASCADE, related_name="rechecks")
    due_on = models.DateField("回头看期限", db_index=True)
    result = models.CharField("结果", max_length=10, choices=RecheckResult.choices, default=RecheckResult.PENDING)
    note = models.TextField("回头看情况", blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回头看"
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"{self.due_on} {self.get_result_display()}"


class ImportJob(models.Model):
    """One uploaded .xlsx of feedback items, imported all rows or none by the background worker."""

    campaign = models.ForeignKey(Campaign, verbose_name="整改工作", on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    original_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField(max_length=500)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_imported = models.PositiveIntegerField("导入行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改事项导入"
        ordering = ["-id"]

    def __str__(self):
        return self.original_name

    @property
    def status_colour(self) -> str:
        return ImportStatus.colour_of(self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
