"""API inputs of the hit triage actions (研判): shape and types only; every rule stays in the services."""
from rest_framework import serializers

from qingshan.orgs.models import Region
from qingshan.problems.models import Category

from .choices import Queue


class HitConfirmInput(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), label="问题类别", required=False,
                                                  allow_null=True, default=None, help_text="留空则用模型设定的类别")
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), label="所在区划", required=False,
                                                allow_null=True, default=None, help_text="留空则按命中对象所在区划")
    title = serializers.CharField(label="问题标题", max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(label="研判意见", required=False, allow_blank=True, default="")


class HitVerifyInput(serializers.Serializer):
    reason = serializers.CharField(label="核查要求", required=False, allow_blank=True, default="")
    queue = serializers.ChoiceField(label="研判队列", choices=Queue.choices, required=False, allow_null=True,
                                    default=None)


class HitDismissInput(serializers.Serializer):
    # Blank passes here on purpose: the service refuses it with its own message.
    reason = serializers.CharField(label="排除理由", allow_blank=True)
