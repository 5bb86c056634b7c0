"""The discipline loop (domain §5): clues, their reporters' vault, the 借阅登记 of reveals, 函询 letters and the
transfer records that join a problem of the work loop to a clue.

A clue never stores who reported it: the identity and the original text live in `ReporterVault`, encrypted, and
are read only through `access.clues.reveal_reporter`, which writes a `VaultReveal` (借阅登记) and an audit event.
"""
from django.conf import settings
from django.db import models

from qingshan.core.choices import JobStatus

from .choices import Disposal, JobKind, NoticeKind, NoticeStatus, Outcome, Source, State


class Clue(models.Model):
    """A confidential discipline clue about an official or a unit, held by one commission."""

    commission = models.ForeignKey("orgs.Organisation", verbose_name="受理机关", on_delete=models.PROTECT,
                                   related_name="clues")
    # The commission that passed it down (下转), which keeps sight of it.
    transferred_from = models.ForeignKey("orgs.Organisation", verbose_name="下转机关", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="clues_sent_down")
    down_to = models.ForeignKey("orgs.Organisation", verbose_name="拟下转至", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="clues_pending_down")
    # 线索编号, given by 案管 at registration: per commission and year, gap-free (core.numbering).
    number = models.CharField("线索编号", max_length=40, blank=True, default="", db_index=True)
    number_year = models.PositiveSmallIntegerField("编号年度", null=True, blank=True)
    number_seq = models.PositiveIntegerField("编号序号", null=True, blank=True)
    intake_ref = models.CharField("收件号", max_length=30, unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    received_on = models.DateField("收件日期")
    # Who and what the report is about: the hard block of access/clues.py reads these two.
    reported_unit = models.ForeignKey("orgs.Organisation", verbose_name="被反映单位", on_delete=models.PROTECT,
                                      related_name="clues_about")
    reported_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="被反映人（系统用户）", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="clues_about_me")
    reported_name = models.CharField("被反映人", max_length=50)
    reported_post = models.CharField("职务", max_length=100, blank=True)
    summary = models.TextField("主要问题摘要", help_text="内部摘要，不含举报人信息")
    is_real_name = models.BooleanField("实名举报", default=False)
    minimal = models.BooleanField("仅留存最少信息", default=False,
                                  help_text="反映本级纪委监委主要负责人的线索：直接上交，本级不留存内容")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True)
    duplicate_of = models.ForeignKey("self", verbose_name="首件", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="repeats")
    screening_note = models.TextField("研判意见", blank=True)
    # Forwarding up (上交, 5 working days) and down (下转: the lower level accepts within 5 working days).
    forward_due = models.DateField("上交期限", null=True, blank=True)
    forwarded_on = models.DateField("上交日期", null=True, blank=True)
    forwarded_on_time = models.BooleanField("按期上交", null=True, blank=True)
    down_accept_due = models.DateField("下级接收期限", null=True, blank=True)
    down_accepted_on = models.DateField("下级接收日期", null=True, blank=True)
    down_accepted_on_time = models.BooleanField("按期接收", null=True, blank=True)
    # 案管 and the handling team.
    registered_at = models.DateTimeField("案管登记时间", null=True, blank=True)
    assigned_org = models.ForeignKey("orgs.Organisation", verbose_name="承办部门", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="clues_assigned")
    assigned_at = models.DateTimeField("分办时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    # The proposal, its collective study and its approval (集体研究、报批).
    proposed_disposal = models.CharField("拟处置方式", max_length=20, choices=Disposal.choices, blank=True)
    proposal_reason = models.TextField("处置意见", blank=True)
    inquiry_matters = models.TextField("函询事项", blank=True)
    study_date = models.DateField("研究日期", null=True, blank=True)
    study_attendees = models.TextField("参会人员", blank=True)
    study_record = models.TextField("研究记录", blank=True)
    # 签批领导: named at the collective study; only this leader, in person (password re-entered), approves.
    signing_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签批领导", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="clues_to_sign")
    disposal = models.CharField("处置方式", max_length=20, choices=Disposal.choices, blank=True, db_index=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批领导", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="clues_approved")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    # 初步核实: the report signed by the whole team.
    verification_report = models.TextField("初步核实报告", blank=True)
    verification_signers = models.TextField("核实组成员签名", blank=True)
    # 暂存待查: when it comes back for review.
    review_due = models.DateField("下次复查日期", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=20, choices=Outcome.choices, blank=True)
    closed_on = models.DateField("了结日期", null=True, blank=True)
    # Notices to a real-name reporter (受理告知, 结果告知), each due in 15 working days; on time frozen when sent.
    acceptance_notice_due = models.DateField("受理告知期限", null=True, blank=True)
    acceptance_notified_on = models.DateField("受理告知日期", null=True, blank=True)
    acceptance_notified_on_time = models.BooleanField("按期受理告知", null=True, blank=True)
    result_notice_due = models.DateField("结果告知期限", null=True, blank=True)
    result_notified_on = models.DateField("结果告知日期", null=True, blank=True)
    result_notified_on_time = models.BooleanField("按期结果告知", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="clues_created")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题线索"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "number_year", "number_seq"], name="uniq_clue_number",
                                    condition=models.Q(number_seq__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["commission", "state", "-received_on"], name="clue_commission_state"),
            # The lists' order: the first page is read off this index instead of sorting every visible clue.
            models.Index(fields=["-received_on", "-id"], name="clue_received_desc"),
        ]

    def __str__(self):
        return self.number or self.intake_ref

    @property
    def reference(self) -> str:
        """What the clue is called on every page: its 线索编号 once 案管 gave one, else its 收件号."""
        return self.number or self.intake_ref


class ReporterVault(models.Model):
    """The reporter's identity and the original text of the report, encrypted at rest (Fernet, access/crypto.py).

    Kept apart from the clue: no list, export, API answer or outgoing document reads this table; only
    `access.clues.reveal_reporter` decrypts it, for 信访, 案管 and the assigned team, and records the reveal.
    """

    clue = models.OneToOneField(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="vault")
    masked = models.CharField("脱敏标识", max_length=40)  # e.g. 张**（实名） : the only part lists show
    name_encrypted = models.TextField(blank=True)
    unit_encrypted = models.TextField(blank=True)
    address_encrypted = models.TextField(blank=True)
    phone_encrypted = models.TextField(blank=True)
    id_number_encrypted = models.TextField(blank=True)
    text_encrypted = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "举报人信息"

    def __str__(self):
        return self.masked


class VaultReveal(models.Model):
    """借阅登记: who opened a reporter's identity, when, in what capacity and why."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查阅人", on_delete=models.PROTECT,
                             related_name="clue_reveals")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name="查阅人单位", null=True,
                                     on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField("查阅身份", max_length=20)
    reason = models.CharField("事由", max_length=200)
    at = models.DateTimeField("查阅时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "借阅登记"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user} · {self.clue}"


class InquiryLetter(models.Model):
    """A 谈话函询 letter: numbered per commission and year; its reply is due in 15 working days."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="letters")
    number = models.CharField("函询编号", max_length=40)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    matters = models.TextField("函询事项", help_text="写给被函询人的问题，由承办部门拟定，不含举报人信息")
    sent_on = models.DateField("发函日期")
    reply_due = models.DateField("回复期限")
    replied_on = models.DateField("回复日期", null=True, blank=True)
    replied_on_time = models.BooleanField("按期回复", null=True, blank=True)
    reply_text = models.TextField("回复内容", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "函询函"
        ordering = ["-sent_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["clue", "year", "seq"], name="uniq_letter_seq")]

    def __str__(self):
        return self.number


class Objection(models.Model):
    """A reporter's objection to the result, and the answer given."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    answer = models.TextField("答复内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "异议及答复"

    def __str__(self):
        return f"{self.clue} · {self.received_on}"


class ProblemTransfer(models.Model):
    """移送: a problem of the work loop that revealed misconduct, and the clue it became. The only link between the
    two loops; the problem's page shows that it was transferred, never the clue."""

    # A problem may be transferred more than once (it can reveal more than one official's misconduct; 信访 screens
    # a repeat as 重复件). Never refusing a second 移送 is also what keeps the hard block: "already transferred" would
    # tell a blocked officer that a clue they cannot see exists.
    problem = models.ForeignKey("problems.Problem", verbose_name="问题", on_delete=models.PROTECT,
                                related_name="clue_transfers")
    clue = models.OneToOneField(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="problem_transfer")
    reason = models.TextField("移送理由")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="移送人", on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField("移送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题移送记录"

    def __str__(self):
        return f"{self.problem} → {self.clue}"


class ClueJob(models.Model):
    """A file of the loop written by the background worker (the 借阅登记 as Excel, a 函询 or 下转 letter as Word):
    the request queues it, its page shows the progress, only its asker downloads it, and only while access/clues.py
    still lets them see what it holds."""

    kind = models.CharField("类型", max_length=10, choices=JobKind.choices)
    clue = models.ForeignKey(Clue, verbose_name="线索", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="jobs")
    letter = models.ForeignKey(InquiryLetter, verbose_name="函询函", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="jobs")
    quarter_report = models.ForeignKey("QuarterReport", verbose_name="季度回告", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="jobs")
    # The 借阅登记 export: the commissions whose 案管 work the asker did when asking (ids), re-checked when run.
    commissions = models.JSONField("导出范围", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_written = models.PositiveIntegerField("已写行数", default=0)
    stored_path = models.CharField(max_length=500, blank=True, editable=False,
                                   help_text="the file under JOB_FILES_DIR/clues (0600) once written")
    filename = models.CharField("文件名", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线索后台任务"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def status_colour(self) -> str:
        return JobStatus.colour_of(self.status)

    @property
    def progress(self) -> int:
        """Percent written (100 once done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)


class QuarterReport(models.Model):
    """An office's report-back to 信访室 of the clues it closed in a quarter (承办部门定期向信访室反馈办理结果)."""

    office = models.ForeignKey("orgs.Organisation", verbose_name="承办部门", on_delete=models.PROTECT,
                               related_name="clue_quarter_reports")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    closed_count = models.PositiveIntegerField("办结件数")
    note = models.TextField("说明", blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回告人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("回告时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理结果季度回告"
        constraints = [models.UniqueConstraint(fields=["office", "year", "quarter"], name="uniq_quarter_report")]

    def __str__(self):
        return f"{self.office} {self.year}年第{self.quarter}季度"


class QuarterDue(models.Model):
    """An office owes 信访室 the report-back of a quarter in which it closed clues: written when the first of them
    closes (in the same transaction), met when the office reports (`report`). The reminder engine watches `due_on`
    (deadline kind clues.quarter_report)."""

    office = models.ForeignKey("orgs.Organisation", verbose_name="承办部门", on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    due_on = models.DateField("回告期限")
    report = models.OneToOneField(QuarterReport, verbose_name="回告", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="due")

    class Meta:
        verbose_name = verbose_name_plural = "季度回告期限"
        constraints = [models.UniqueConstraint(fields=["office", "year", "quarter"], name="uniq_quarter_due")]

    def __str__(self):
        return f"{self.office} {self.year}年第{self.quarter}季度回告"


class ReporterNotice(models.Model):
    """The outbox of notices to a real-name reporter (受理告知, 结果告知), sent by the worker under a neutral sender.

    Holds nothing of the vault but a masked number: the worker decrypts the phone when it sends, and forgets it. The
    text is what was (or will be) sent, neutral by construction (notices.render)."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("类型", max_length=12, choices=NoticeKind.choices)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED)
    channel = models.CharField("发送渠道", max_length=20)
    masked_phone = models.CharField("接收号码", max_length=40, blank=True)
    text = models.CharField("短信内容", max_length=300)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    answer = models.CharField("网关应答", max_length=500, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "举报人告知短信"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.clue}"

    @property
    def status_colour(self) -> str:
        return NoticeStatus.colour_of(self.status)
