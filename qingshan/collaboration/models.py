"""联动协作 (domain §4, the seeds' Zhenjiang mechanism): a 会商 between the commission and other bodies, with its
agenda of problems, its minutes and the decisions that become tasks with deadlines for the bodies that must act."""
from django.conf import settings
from django.db import models
from django.urls import reverse

from qingshan.core.models import StoredFile

from .choices import CommitmentWay, ConsultationState, FindingState, InspectionState, PartnerTransferState, TaskState


class Consultation(models.Model):
    """信息共享会商: a meeting convened by a supervising body with participants from several bodies."""

    title = models.CharField("会商主题", max_length=200)
    convened_by = models.ForeignKey("orgs.Organisation", verbose_name="召集单位", on_delete=models.PROTECT,
                                    related_name="+")
    participants = models.ManyToManyField("orgs.Organisation", verbose_name="参加单位", related_name="+")
    held_on = models.DateField("会商日期")
    place = models.CharField("地点", max_length=100, blank=True)
    attendees = models.TextField("参会人员", blank=True)
    minutes = models.TextField("会商纪要", blank=True)
    state = models.CharField("状态", max_length=10, choices=ConsultationState.choices,
                             default=ConsultationState.PLANNED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会商"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def state_colour(self) -> str:
        return ConsultationState.colour_of(self.state)


class AgendaItem(models.Model):
    """A problem put before the meeting."""

    consultation = models.ForeignKey(Consultation, verbose_name="会商", on_delete=models.CASCADE,
                                     related_name="agenda")
    problem = models.ForeignKey("problems.Problem", verbose_name="问题", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("议题说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会商议题"
        constraints = [models.UniqueConstraint(fields=["consultation", "problem"], name="uniq_agenda_problem")]


class Task(models.Model):
    """A decision of the meeting (决定事项) that a body must carry out by its deadline and report back on."""

    # A task comes from a 会商 decision or from a commitment made in a 联合约谈 (exactly one of the two).
    consultation = models.ForeignKey(Consultation, verbose_name="会商", on_delete=models.PROTECT,
                                     related_name="tasks", null=True, blank=True)
    interview = models.ForeignKey("Interview", verbose_name="联合约谈", on_delete=models.PROTECT,
                                  related_name="tasks", null=True, blank=True)
    text = models.TextField("决定事项")
    assignee = models.ForeignKey("orgs.Organisation", verbose_name="承办单位", on_delete=models.PROTECT,
                                 related_name="+")
    problem = models.ForeignKey("problems.Problem", verbose_name="关联问题", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    deadline = models.DateField("完成期限", db_index=True)
    state = models.CharField("状态", max_length=10, choices=TaskState.choices, default=TaskState.OPEN, db_index=True)
    result = models.TextField("完成情况", blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    on_time = models.BooleanField("按期完成", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会商决定事项"
        ordering = ["deadline", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(consultation__isnull=False, interview__isnull=True)
            | models.Q(consultation__isnull=True, interview__isnull=False), name="task_has_one_origin")]

    def __str__(self):
        return self.text[:40]

    def get_absolute_url(self) -> str:
        if self.interview_id:
            return reverse("collaboration:interview", args=[self.interview_id]) + f"#task-{self.pk}"
        return reverse("collaboration:detail", args=[self.consultation_id]) + f"#task-{self.pk}"

    @property
    def state_colour(self) -> str:
        return TaskState.colour_of(self.state)


class PeerRegion(models.Model):
    """Another region's Qingshan deployment this one exchanges transfers with: its code and the public key that
    signs its packages (given by its administrator, `manage.py transfer_key` there)."""

    code = models.CharField("地区代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, help_text="如：白河市纪委监委")
    public_key = models.CharField("签名公钥（十六进制）", max_length=64)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "跨地区协作单位"
        ordering = ["code"]

    def __str__(self):
        return self.name


class RegionTransfer(models.Model):
    """A problem sent to, or received from, another region: both numbers, the package's hash, who and when."""

    class Direction(models.TextChoices):
        OUT = "out", "移出"
        IN = "in", "移入"

    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    peer = models.ForeignKey(PeerRegion, verbose_name="对方地区", on_delete=models.PROTECT, related_name="transfers")
    problem = models.ForeignKey("problems.Problem", verbose_name="本地问题", on_delete=models.PROTECT,
                                related_name="+")
    their_number = models.CharField("对方编号", max_length=40, blank=True)
    note = models.TextField("移送说明", blank=True)
    package_sha256 = models.CharField("移送包摘要", max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跨地区移送"
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["peer", "their_number"], condition=models.Q(direction="in"),
                                               name="uniq_incoming_transfer")]

    def __str__(self):
        return f"{self.get_direction_display()} {self.peer} {self.problem_id}"


class Inspection(models.Model):
    """协同监督检查: a joint inspection plan led by a supervising body with the bodies taking part, its teams (members
    from several bodies), the sites each team visits on its date, and what they find there."""

    title = models.CharField("检查名称", max_length=200)
    led_by = models.ForeignKey("orgs.Organisation", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField("orgs.Organisation", verbose_name="参加单位", related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    scope = models.TextField("检查内容", blank=True)
    summary = models.TextField("检查总结", blank=True)
    state = models.CharField("状态", max_length=10, choices=InspectionState.choices,
                             default=InspectionState.PLANNED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="制定人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "协同监督检查"
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def state_colour(self) -> str:
        return InspectionState.colour_of(self.state)


class InspectionTeam(models.Model):
    """A 检查组: its leader and members, people of the participating bodies."""

    inspection = models.ForeignKey(Inspection, verbose_name="协同监督检查", on_delete=models.CASCADE,
                                   related_name="teams")
    name = models.CharField("检查组", max_length=50)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组长", on_delete=models.PROTECT,
                               related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="组员", related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "检查组"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "name"], name="uniq_inspection_team_name")]

    def __str__(self):
        return self.name


class InspectionSite(models.Model):
    """A place a team inspects on a given day."""

    inspection = models.ForeignKey(Inspection, verbose_name="协同监督检查", on_delete=models.CASCADE,
                                   related_name="sites")
    team = models.ForeignKey(InspectionTeam, verbose_name="检查组", on_delete=models.PROTECT, related_name="sites")
    name = models.CharField("检查点位", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    region = models.ForeignKey("orgs.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    visit_on = models.DateField("检查日期")
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查点位"
        ordering = ["visit_on", "pk"]

    def __str__(self):
        return self.name


class Finding(models.Model):
    """What a team found on site. A supervisor of the leading body registers it as a problem (the problem keeps the
    source 协同监督检查 and names the inspection; the finding keeps the problem) or records why not."""

    site = models.ForeignKey(InspectionSite, verbose_name="检查点位", on_delete=models.PROTECT,
                             related_name="findings")
    title = models.CharField("发现问题", max_length=200)
    description = models.TextField("具体情况")
    category = models.ForeignKey("problems.Category", verbose_name="问题类别", on_delete=models.PROTECT,
                                 related_name="+")
    state = models.CharField("状态", max_length=12, choices=FindingState.choices, default=FindingState.RECORDED,
                             db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间")
    problem = models.OneToOneField("problems.Problem", verbose_name="立项问题", on_delete=models.PROTECT,
                                   related_name="inspection_finding", null=True, blank=True)
    reason = models.CharField("不予立项理由", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查发现"
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def state_colour(self) -> str:
        return FindingState.colour_of(self.state)


def finding_photo_path(instance, filename):
    # Random, non-guessable storage name; the original name is kept on the record only.
    return f"collaboration/findings/{instance.finding_id}/{instance.stored_token}"


class FindingPhoto(StoredFile):
    """A photo or file taken on site, checked and served like a problem's attachments."""

    finding = models.ForeignKey(Finding, verbose_name="检查发现", on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("文件", upload_to=finding_photo_path, max_length=255)

    class Meta:
        verbose_name = verbose_name_plural = "检查发现附件"
        ordering = ["uploaded_at", "pk"]


class Interview(models.Model):
    """联合约谈: who interviewed whom (bodies, persons, posts), on which problems, and the commitments made."""

    title = models.CharField("约谈事由", max_length=200)
    led_by = models.ForeignKey("orgs.Organisation", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("约谈日期")
    place = models.CharField("地点", max_length=100, blank=True)
    problems = models.ManyToManyField("problems.Problem", verbose_name="涉及问题", related_name="+", blank=True)
    record = models.TextField("约谈记录")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "联合约谈"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.title


class InterviewParty(models.Model):
    """One person on either side of the table: their body, name and post."""

    class Side(models.TextChoices):
        INTERVIEWER = "interviewer", "约谈方"
        INTERVIEWEE = "interviewee", "被约谈方"

    interview = models.ForeignKey(Interview, verbose_name="联合约谈", on_delete=models.CASCADE, related_name="parties")
    side = models.CharField("身份", max_length=12, choices=Side.choices)
    organisation = models.ForeignKey("orgs.Organisation", verbose_name="单位", on_delete=models.PROTECT,
                                     related_name="+")
    person = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "约谈人员"
        ordering = ["side", "pk"]


class Commitment(models.Model):
    """A commitment made in the interview: raised as a rectification item (when it concerns a dispatched problem) or
    handed to a body as a collaboration task due in working days."""

    interview = models.ForeignKey(Interview, verbose_name="联合约谈", on_delete=models.CASCADE,
                                  related_name="commitments")
    text = models.TextField("整改承诺")
    problem = models.ForeignKey("problems.Problem", verbose_name="涉及问题", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    way = models.CharField("落实方式", max_length=15, choices=CommitmentWay.choices)
    deadline = models.DateField("完成期限")
    rectification_item = models.ForeignKey("rectification.Item", verbose_name="整改事项", on_delete=models.PROTECT,
                                           related_name="+", null=True, blank=True)
    task = models.OneToOneField("Task", verbose_name="协作任务", on_delete=models.PROTECT, related_name="commitment",
                                null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "约谈整改承诺"
        ordering = ["pk"]


class PartnerTransfer(models.Model):
    """移送 of a problem to a partner body (生态环境局执法, 公安, 检察 …) with a feedback deadline: the partner
    sees only the fields chosen when it was sent (a copy taken then, `shared`), signs for it, works it and returns
    its result; the sender reviews. Unlike a plain share, the partner gets no view of the problem itself."""

    problem = models.ForeignKey("problems.Problem", verbose_name="问题", on_delete=models.PROTECT,
                                related_name="partner_transfers")
    partner = models.ForeignKey("orgs.Organisation", verbose_name="协作单位", on_delete=models.PROTECT,
                                related_name="+")
    sender_org = models.ForeignKey("orgs.Organisation", verbose_name="移送单位", on_delete=models.PROTECT,
                                   related_name="+")
    shared = models.JSONField("移送内容", default=dict)  # {field label: value} as the partner sees it
    request = models.TextField("移送事项")
    state = models.CharField("状态", max_length=10, choices=PartnerTransferState.choices,
                             default=PartnerTransferState.SENT, db_index=True)
    feedback_days = models.PositiveSmallIntegerField("反馈期限（工作日）")
    feedback_deadline = models.DateField("反馈期限", db_index=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="移送人", on_delete=models.PROTECT,
                                related_name="+")
    sent_at = models.DateTimeField("移送时间")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收人", on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    returned_at = models.DateTimeField("反馈时间", null=True, blank=True)
    on_time = models.BooleanField("按期反馈", null=True, blank=True)
    review = models.TextField("审核意见", blank=True)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    # Sent by the work loop's own 移送协作单位 step (the problem's page and API): the partner may also see the whole
    # problem through this grant, as that step always allowed. Empty for a transfer of the chosen fields only.
    share = models.OneToOneField("problems.Share", verbose_name="问题查看授权", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="transfer")

    class Meta:
        verbose_name = verbose_name_plural = "移送协作单位"
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.number} → {self.partner}"

    @property
    def number(self) -> str:
        """The problem's number as it was sent (always shared)."""
        return self.shared.get("问题编号", "")

    @property
    def state_colour(self) -> str:
        return PartnerTransferState.colour_of(self.state)
