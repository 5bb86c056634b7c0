"""What became of an alert posted to the intake webhook, and why a request was refused."""
from django.db import models


class AlertOutcome(models.TextChoices):
    CREATED = "created", "新建问题"
    JOINED = "joined", "并入已有问题"
    DETACHED = "detached", "已拆分为独立问题"


OUTCOME_COLOURS = {AlertOutcome.CREATED: "primary", AlertOutcome.JOINED: "secondary",
                   AlertOutcome.DETACHED: "warning"}


class Refusal(models.TextChoices):
    UNKNOWN_SENDER = "unknown_sender", "未登记或已停用的接入方"
    BAD_SIGNATURE = "bad_signature", "签名不符"
    STALE = "stale", "时间戳超出允许范围（疑似重放）"
    TOO_LARGE = "too_large", "请求体过大"
    CONTENT_TYPE = "content_type", "内容类型不是 application/json"
    NO_KEY = "no_key", "缺少幂等键"
    INVALID = "invalid", "内容不合规"
