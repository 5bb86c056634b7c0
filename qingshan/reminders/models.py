"""Rules per deadline kind, reminders per (kind, item, stage, deadline), the inbox and delivery records."""
from django.conf import settings
from django.db import models

from .choices import Channel, DeliveryStatus, ReminderStatus, Stage


class ReminderRule(models.Model):
    """How one deadline kind is watched (local practice); created from the kind's defaults on first sight."""

    kind = models.CharField("期限类型代码", max_length=60, unique=True)
    label = models.CharField("期限类型", max_length=50)
    enabled = models.BooleanField("启用", default=True)
    blue_days = models.PositiveSmallIntegerField("蓝色提醒提前（工作日）", default=2, help_text="0 表示不发蓝色提醒")
    escalate_after_days = models.PositiveSmallIntegerField("超期几个工作日后提级督办", null=True, blank=True,
                                                           help_text="留空表示不按超期天数提级")
    escalate_after_urges = models.PositiveSmallIntegerField("催办几次未果后提级督办", null=True, blank=True,
                                                            help_text="留空表示不按催办次数提级")
    send_email = models.BooleanField("发送电子邮件", default=True)
    send_wecom = models.BooleanField("推送企业微信", default=True)
    send_dingtalk = models.BooleanField("推送钉钉", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒规则"
        ordering = ["kind"]

    def __str__(self):
        return self.label

    def channels(self) -> set[str]:
        return {c for c, on in ((Channel.EMAIL, self.send_email), (Channel.WECOM, self.send_wecom),
                                (Channel.DINGTALK, self.send_dingtalk)) if on}


class Reminder(models.Model):
    """One stage reached by one watched item for one deadline value; produced exactly once. It names its item by kind
    and id only: each reader sees the title through the kind's `titles()`, only while they may see the item."""

    kind = models.CharField("期限类型代码", max_length=60)
    object_id = models.BigIntegerField("对象编号")
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices)
    deadline = models.DateField("期限")
    status = models.CharField("分发状态", max_length=10, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("产生时间")
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "stage", "deadline"],
                                               name="uniq_reminder_stage")]
        indexes = [models.Index(fields=["status", "id"], name="reminder_pending_idx",
                                condition=models.Q(status="pending"))]

    def __str__(self):
        # The item's title is never stored (it is looked up for each reader through the kind's scoped selector).
        return f"{Stage(self.stage).label}：{self.kind} #{self.object_id}"

    @property
    def stage_colour(self) -> str:
        return Stage.colour_of(self.stage)


class Notification(models.Model):
    """A reminder in one person's inbox: read/unread, snoozed until a date."""

    reminder = models.ForeignKey(Reminder, verbose_name="提醒", on_delete=models.CASCADE,
                                 related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                             related_name="notifications")
    created_at = models.DateTimeField("产生时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    snoozed_until = models.DateField("暂缓至", null=True, blank=True)
    snooze_reason = models.CharField("暂缓理由", max_length=200, blank=True)
    digest = models.ForeignKey("Delivery", verbose_name="所属汇总", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="digest_items")

    class Meta:
        verbose_name = verbose_name_plural = "站内提醒"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["reminder", "user"], name="uniq_notification")]
        # The inbox walks a person's notifications newest first and stops after a page of visible ones, instead of
        # checking the visibility of every one of them to sort them.
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read_idx"),
                   models.Index(fields=["user", "-created_at", "-id"], name="notification_user_recent_idx")]


class OrgChannel(models.Model):
    """An organisation's group robot (WeCom or DingTalk webhook); the signing secret stored encrypted."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name="单位", on_delete=models.CASCADE,
                                     related_name="reminder_channels")
    channel = models.CharField("渠道", max_length=10, choices=[(Channel.WECOM, Channel.WECOM.label),
                                                              (Channel.DINGTALK, Channel.DINGTALK.label)])
    webhook_url = models.URLField("Webhook 地址", max_length=500)
    secret_encrypted = models.TextField("加签密钥（已加密）", blank=True, editable=False)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "单位群机器人"
        constraints = [models.UniqueConstraint(fields=["organisation", "channel"], name="uniq_org_channel")]

    def __str__(self):
        return f"{self.organisation} · {self.get_channel_display()}"


class Delivery(models.Model):
    """One message to send on one channel, recorded before it is sent; retried with exponential back-off."""

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    target = models.CharField("发送对象", max_length=200)
    reminder = models.ForeignKey(Reminder, verbose_name="提醒", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    org_channel = models.ForeignKey(OrgChannel, verbose_name="群机器人", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="deliveries")
    digest_date = models.DateField("汇总日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "发送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel", "user"], name="uniq_delivery_user",
                                    condition=models.Q(user__isnull=False, reminder__isnull=False)),
            models.UniqueConstraint(fields=["reminder", "org_channel"], name="uniq_delivery_robot",
                                    condition=models.Q(org_channel__isnull=False)),
            models.UniqueConstraint(fields=["user", "digest_date"], name="uniq_daily_digest",
                                    condition=models.Q(digest_date__isnull=False)),
        ]
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_due_idx",
                                condition=models.Q(status__in=["pending", "sending"]))]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.target}"

    @property
    def status_colour(self) -> str:
        return DeliveryStatus.colour_of(self.status)
