"""The clue API's shapes: read only, for the handling circle. The reporter appears only as the vault's masked
reference; no field reads the vault's encrypted columns (the identity is opened on the clue page, with a reason,
and written to the 借阅登记)."""
from rest_framework import serializers

from .models import Clue


def _masked(clue: Clue) -> str:
    """The masked reference (张**（实名）), or "" when the clue keeps no reporter data."""
    try:
        return clue.vault.masked
    except Clue.vault.RelatedObjectDoesNotExist:
        return ""


class ClueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="线索编号（案管登记后）或收件号")
    number = serializers.CharField(help_text="线索编号，案管登记前为空")
    intake_ref = serializers.CharField(help_text="收件号")
    source = serializers.CharField()
    source_label = serializers.CharField(source="get_source_display")
    received_on = serializers.DateField()
    commission = serializers.CharField(source="commission.name", help_text="受理机关")
    reported_unit = serializers.CharField(source="reported_unit.name", help_text="被反映单位")
    reported_name = serializers.CharField(help_text="被反映人")
    reported_post = serializers.CharField(help_text="职务")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    assigned_org = serializers.CharField(source="assigned_org.name", allow_null=True, default=None,
                                         help_text="承办部门")
    disposal = serializers.CharField()
    disposal_label = serializers.CharField(source="get_disposal_display")
    is_real_name = serializers.BooleanField()
    reporter = serializers.SerializerMethodField(help_text="举报人脱敏标识（不含身份信息）")

    def get_reporter(self, clue: Clue) -> str:
        return _masked(clue)


class LetterOutput(serializers.Serializer):
    number = serializers.CharField(help_text="函询编号")
    sent_on = serializers.DateField()
    reply_due = serializers.DateField()
    replied_on = serializers.DateField(allow_null=True)
    replied_on_time = serializers.BooleanField(allow_null=True)


class ClueDetailOutput(ClueOutput):
    summary = serializers.CharField(help_text="主要问题摘要（内部，不含举报人信息）")
    minimal = serializers.BooleanField(help_text="反映本级主要负责人：仅留存最少信息")
    proposed_disposal = serializers.CharField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    closed_on = serializers.DateField(allow_null=True)
    forward_due = serializers.DateField(allow_null=True)
    down_accept_due = serializers.DateField(allow_null=True)
    review_due = serializers.DateField(allow_null=True)
    acceptance_notice_due = serializers.DateField(allow_null=True)
    acceptance_notified_on = serializers.DateField(allow_null=True)
    result_notice_due = serializers.DateField(allow_null=True)
    result_notified_on = serializers.DateField(allow_null=True)
    letters = LetterOutput(many=True, source="letters.all")
