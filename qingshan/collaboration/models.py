"""联动协作 (domain §4, the seeds' Zhenjiang mechanism): a 会商 between the commission and other bodies, with its
agenda of problems, its minutes and the decisions that become tasks with deadlines for the bodies that must act."""
from django.conf import settings
from django.db import models

from .choices import ConsultationState, TaskState


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

    consultation = models.ForeignKey(Consultation, verbose_name="会商", on_delete=models.PROTECT,
                                     related_name="tasks")
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

    def __str__(self):
        return self.text[:40]

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
