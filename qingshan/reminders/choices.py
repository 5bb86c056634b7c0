"""Stages, channels and delivery states of the deadline engine (domain §8), each stage with its colour."""
from django.db import models

from qingshan.core.choices import ESCALATION_COLOURS, ColouredChoices, EscalationLevel, with_colours


class Stage(ColouredChoices):
    BLUE = "blue", "蓝色提醒"
    YELLOW = "yellow", "黄色预警"
    RED = "red", "红色超期"
    ESCALATED = "escalated", "提级督办"
    NOTICE = "notice", "督办动态"  # not a deadline stage: a leader's 批示, a unit's 进展… (core/notices.py)
    # Not a deadline stage either: a report returned for changes (core/notices.py).
    RETURNED = "returned", "退回修改"


# The stages the sweep produces from deadlines (a notice is sent by the service that acts).
DEADLINE_STAGES = (Stage.BLUE, Stage.YELLOW, Stage.RED, Stage.ESCALATED)
# A stage has the colour of the escalation level of the same name (one scale, core/choices.py).
with_colours(Stage, {Stage.BLUE: ESCALATION_COLOURS[EscalationLevel.BLUE],
                     Stage.YELLOW: ESCALATION_COLOURS[EscalationLevel.YELLOW],
                     Stage.RED: ESCALATION_COLOURS[EscalationLevel.RED], Stage.ESCALATED: "dark",
                     Stage.NOTICE: "info", Stage.RETURNED: "info"})

# Urgent stages go out at once on every channel; the others wait for the person's daily digest (besides the inbox).
URGENT_STAGES = frozenset({Stage.RED, Stage.ESCALATED})


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "待分发"
    DONE = "done", "已分发"
    VOID = "void", "已失效"  # the item was no longer open when the reminder was fanned out


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    DIGEST = "digest", "每日汇总邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class DeliveryStatus(ColouredChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "无需发送"


with_colours(DeliveryStatus, {DeliveryStatus.PENDING: "secondary", DeliveryStatus.SENDING: "info",
                              DeliveryStatus.SENT: "success", DeliveryStatus.FAILED: "danger",
                              DeliveryStatus.CANCELLED: "light"})
