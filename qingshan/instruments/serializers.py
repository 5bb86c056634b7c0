"""The instruments API's input and output shapes (DRF serializers): inputs mirror the page forms, field for field."""
from rest_framework import serializers

from qingshan.api.errors import ErrorOutput as ErrorOutput  # re-exported for the schema
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation

from .choices import FollowUpKind, Kind, Level
from .models import FollowUp, Instrument


class InstrumentCreateInput(serializers.Serializer):
    kind = serializers.CharField(label="文书类型", help_text="、".join(f"{v}（{lbl}）" for v, lbl in Kind.choices))
    level = serializers.ChoiceField(label="督办等级", choices=Level.choices, required=False, default="")
    recipient_id = serializers.IntegerField(label="主送单位")
    title = serializers.CharField(label="标题", max_length=200)
    body = serializers.CharField(label="正文", max_length=10_000)
    problem_numbers = serializers.CharField(label="涉及问题编号", required=False, default="", allow_blank=True)
    reply_deadline = serializers.DateField(label="回复期限")
    rectify_deadline = serializers.DateField(label="整改期限", required=False, allow_null=True, default=None)
    cc = serializers.CharField(label="抄送", max_length=200, required=False, default="", allow_blank=True)


class InstrumentEditInput(serializers.Serializer):
    level = serializers.ChoiceField(label="督办等级", choices=Level.choices, required=False, default="")
    recipient = serializers.PrimaryKeyRelatedField(label="主送单位", queryset=Organisation.objects.filter(
        kind=OrgKind.UNIT))
    title = serializers.CharField(label="标题", max_length=200)
    body = serializers.CharField(label="正文", max_length=10_000)
    problem_numbers = serializers.CharField(label="涉及问题编号", required=False, default="", allow_blank=True)
    reply_deadline = serializers.DateField(label="回复期限")
    rectify_deadline = serializers.DateField(label="整改期限", required=False, allow_null=True, default=None)
    cc = serializers.CharField(label="抄送", max_length=200, required=False, default="", allow_blank=True)


class InstrumentNoteInput(serializers.Serializer):
    note = serializers.CharField(label="说明", required=False, default="", allow_blank=True)


class InstrumentVoidInput(serializers.Serializer):
    reason = serializers.CharField(label="作废原因", max_length=200)


class InstrumentReplyInput(serializers.Serializer):
    text = serializers.CharField(label="回复内容", max_length=10_000)
    files = serializers.ListField(label="书面回复文件", child=serializers.FileField(), required=False, default=list)


class InstrumentReviewInput(serializers.Serializer):
    comment = serializers.CharField(label="审核意见", required=False, default="", allow_blank=True)


class InstrumentFollowUpInput(serializers.Serializer):
    kind = serializers.CharField(label="方式", help_text="、".join(f"{v}（{lbl}）" for v, lbl in FollowUpKind.choices))
    happened_on = serializers.DateField(label="日期")
    text = serializers.CharField(label="情况", max_length=10_000)
    files = serializers.ListField(label="材料", child=serializers.FileField(), required=False, default=list)


class InstrumentCloseInput(serializers.Serializer):
    rectified = serializers.BooleanField(label="整改到位")
    comment = serializers.CharField(label="办结意见", required=False, default="", allow_blank=True)


class InstrumentInternalNoteInput(serializers.Serializer):
    text = serializers.CharField(label="内部意见", max_length=10_000)


class InstrumentEmptyInput(serializers.Serializer):
    pass


class InstrumentFollowUpOutput(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["kind", "happened_on", "text"]


class InstrumentOutput(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="文书类型代码")
    state = serializers.CharField(help_text="状态代码")
    level = serializers.CharField(help_text="督办等级代码（blue、yellow、red，空为无）")
    kind_display = serializers.CharField(source="get_kind_display")
    state_display = serializers.CharField(source="get_state_display")
    issuer = serializers.CharField(source="issuer.name")
    recipient = serializers.CharField(source="recipient.name")

    class Meta:
        model = Instrument
        fields = ["id", "kind", "kind_display", "level", "number", "title", "issuer", "recipient", "state",
                  "state_display", "reply_deadline", "rectify_deadline", "issued_on", "replied_at",
                  "replied_on_time", "review_comment", "rectified", "urge_count"]


class InstrumentDetailOutput(InstrumentOutput):
    follow_ups = InstrumentFollowUpOutput(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    def get_allowed_actions(self, instrument) -> list[str]:
        return self.context.get("allowed_actions", [])

    class Meta(InstrumentOutput.Meta):
        fields = [*InstrumentOutput.Meta.fields, "body", "cc", "reply_text", "follow_ups", "allowed_actions"]
