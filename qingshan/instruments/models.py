"""Instruments (文书) with their numbers, replies, follow-ups and generated Word files; accountability (问责)
records with the persons and organisations held accountable, and public exposure batches (domain §7)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from qingshan.core.models import StoredFile

from .choices import BatchStatus, FilePurpose, FollowUpKind, Form, Kind, Level, Rank, State


class NumberPrefix(models.Model):
    """The prefix of one type's document numbers for one issuer (e.g. 青纪建 in 青纪建〔2026〕3号): local practice."""

    kind = models.CharField("文书类型", max_length=30, choices=Kind.choices)
    issuer = models.ForeignKey("orgs.Organisation", verbose_name="发文机关", on_delete=models.CASCADE,
                               related_name="+", limit_choices_to={"kind": "commission"})
    prefix = models.CharField("发文字号前缀", max_length=20, help_text="如“青纪建”，编号为 青纪建〔2026〕3号")

    class Meta:
        verbose_name = verbose_name_plural = "发文字号前缀"
        constraints = [models.UniqueConstraint(fields=["kind", "issuer"], name="uniq_instrument_prefix")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.issuer}：{self.prefix}"


def template_path(instance, filename):
    return f"instrument_templates/{instance.kind}/{instance.stored_token}.docx"


class DocumentTemplate(StoredFile):
    """An administrator's Word template replacing the built-in one of a type (the newest active one is used)."""

    kind = models.CharField("文书类型", max_length=30, choices=Kind.choices)
    file = models.FileField("模板文件", upload_to=template_path, max_length=255)
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书模板"
        ordering = ["kind", "-uploaded_at"]


class Instrument(models.Model):
    """An official instrument addressed to one responsible unit, from draft through reply and follow-up to closing."""

    kind = models.CharField("文书类型", max_length=30, choices=Kind.choices, db_index=True)
    level = models.CharField("督办等级", max_length=10, choices=Level.choices, blank=True, default="")
    issuer = models.ForeignKey("orgs.Organisation", verbose_name="发文机关", on_delete=models.PROTECT,
                               related_name="issued_instruments")
    drafting_org = models.ForeignKey("orgs.Organisation", verbose_name="承办部门", on_delete=models.PROTECT,
                                     related_name="drafted_instruments")
    region_path = models.CharField(max_length=255, db_index=True, editable=False,
                                   help_text="copy of the issuer's region path: jurisdiction filters without a join")
    recipient = models.ForeignKey("orgs.Organisation", verbose_name="主送单位", on_delete=models.PROTECT,
                                  related_name="received_instruments")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    cc = models.CharField("抄送", max_length=200, blank=True)
    problems = models.ManyToManyField("problems.Problem", verbose_name="涉及问题", blank=True,
                                      related_name="instruments")
    reply_deadline = models.DateField("回复期限", db_index=True)
    rectify_deadline = models.DateField("整改期限", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)

    year = models.PositiveIntegerField("年度", null=True, blank=True)
    serial = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("发文字号", max_length=50, blank=True, db_index=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("起草时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("签发时间", null=True, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True, db_index=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    # Frozen at the first reply (domain §8): past statistics never drift.
    replied_on_time = models.BooleanField("按期回复", null=True, blank=True)
    reply_text = models.TextField("回复内容", blank=True)
    review_comment = models.TextField("审核意见", blank=True, help_text="告知主送单位")
    accepted_at = models.DateTimeField("采纳时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    rectified = models.BooleanField("整改到位", null=True, blank=True)
    rectified_on_time = models.BooleanField("按期整改", null=True, blank=True)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One number per (type, issuer, year); a voided instrument keeps its row, so its number stays taken.
            models.UniqueConstraint(fields=["kind", "issuer", "year", "serial"], condition=Q(serial__isnull=False),
                                    name="uniq_instrument_number"),
        ]
        indexes = [models.Index(fields=["recipient", "state"], name="instrument_recipient_idx")]

    def __str__(self):
        return f"{self.number or '（未编号）'} {self.title}"

    @property
    def state_colour(self) -> str:
        return State.colour_of(self.state)


def instrument_file_path(instance, filename):
    return f"instruments/{instance.instrument_id}/{instance.stored_token}"


class InstrumentFile(StoredFile):
    """A file on an instrument: the recipient's written reply or a follow-up's material. Served after the access
    check only."""

    instrument = models.ForeignKey(Instrument, verbose_name="文书", on_delete=models.CASCADE, related_name="files")
    purpose = models.CharField("用途", max_length=20, choices=FilePurpose.choices)
    file = models.FileField("文件", upload_to=instrument_file_path, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "文书附件"
        ordering = ["uploaded_at", "id"]


def document_path(instance, filename):
    return f"instrument_documents/{instance.instrument_id}/{instance.stored_token}.docx"


class GeneratedDocument(StoredFile):
    """A Word file generated from the instrument's template, kept with its SHA-256 and re-downloadable."""

    instrument = models.ForeignKey(Instrument, verbose_name="文书", on_delete=models.CASCADE,
                                   related_name="documents")
    file = models.FileField("文件", upload_to=document_path, max_length=255)
    template_sha256 = models.CharField("模板摘要", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "生成的文书文件"
        ordering = ["-uploaded_at", "-id"]


class FollowUp(models.Model):
    """A follow-up of an accepted instrument (实地核查、电话督促、回头看…), seen by both sides."""

    instrument = models.ForeignKey(Instrument, verbose_name="文书", on_delete=models.CASCADE,
                                   related_name="follow_ups")
    kind = models.CharField("方式", max_length=20, choices=FollowUpKind.choices)
    happened_on = models.DateField("日期")
    text = models.TextField("情况")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "跟踪督办记录"
        ordering = ["happened_on", "id"]


class InternalNote(models.Model):
    """An internal comment of the supervising side: never shown to the recipient, never put in a document."""

    instrument = models.ForeignKey(Instrument, verbose_name="文书", on_delete=models.CASCADE,
                                   related_name="internal_notes")
    text = models.TextField("内部意见")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "内部意见"
        ordering = ["created_at", "id"]


class DocumentBatch(models.Model):
    """One background job generating the Word files of one or more instruments, with its progress."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("提交时间")
    instrument_ids = models.JSONField("文书", default=list)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    status = models.CharField("状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    error = models.TextField("错误", blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书生成任务"
        ordering = ["-requested_at", "-id"]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class ExposureBatch(models.Model):
    """A public exposure batch (通报曝光, e.g. 第3批): the accountability records it makes public."""

    org = models.ForeignKey("orgs.Organisation", verbose_name="通报机关", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveIntegerField("年度")
    sequence = models.PositiveIntegerField("批次")
    title = models.CharField("标题", max_length=200)
    published_on = models.DateField("发布日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = verbose_name_plural = "通报曝光批次"
        ordering = ["-published_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "year", "sequence"], name="uniq_exposure_batch")]

    def __str__(self):
        return f"{self.year}年第{self.sequence}批：{self.title}"


class AccountabilityRecord(models.Model):
    """One decision holding people and/or organisations accountable, linked to the problems, rectification items,
    clues and instruments behind it. Clue links are shown only through the clue access module (the hard block)."""

    form = models.CharField("问责方式", max_length=30, choices=Form.choices, db_index=True)
    is_joint = models.BooleanField("联合约谈", default=False)
    joint_partners = models.ManyToManyField("orgs.Organisation", verbose_name="联合约谈单位", blank=True,
                                            related_name="+")
    org = models.ForeignKey("orgs.Organisation", verbose_name="作出机关", on_delete=models.PROTECT,
                            related_name="accountability_records")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    decided_on = models.DateField("决定日期", db_index=True)
    summary = models.TextField("问责事由")
    organisations = models.ManyToManyField("orgs.Organisation", verbose_name="被问责单位", blank=True,
                                           related_name="accountability_held")
    problems = models.ManyToManyField("problems.Problem", verbose_name="涉及问题", blank=True, related_name="+")
    instruments = models.ManyToManyField(Instrument, verbose_name="相关文书", blank=True,
                                         related_name="accountability_records")
    rectification_items = models.ManyToManyField("rectification.Item", verbose_name="涉及整改事项", blank=True,
                                                 related_name="accountability_records")
    clues = models.ManyToManyField("clues.Clue", verbose_name="相关线索", blank=True, related_name="+")
    exposure_batch = models.ForeignKey(ExposureBatch, verbose_name="通报曝光批次", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="records")
    person_count = models.PositiveIntegerField("人次", default=0, help_text="被问责人员数，随人员登记保存")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = verbose_name_plural = "问责记录"
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return f"{self.get_form_display()} {self.decided_on:%Y-%m-%d}"


class AccountablePerson(models.Model):
    """A person held accountable by a record: name, post, organisation and rank."""

    record = models.ForeignKey(AccountabilityRecord, verbose_name="问责记录", on_delete=models.CASCADE,
                               related_name="persons")
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=100)
    organisation = models.ForeignKey("orgs.Organisation", verbose_name="所在单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField("所在单位（名称）", max_length=100)
    rank = models.CharField("职级", max_length=20, choices=Rank.choices)

    class Meta:
        verbose_name = verbose_name_plural = "被问责人员"
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.organisation_name}{self.post}）"
