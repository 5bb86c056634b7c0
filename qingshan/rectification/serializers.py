"""The rectification API's shapes. Input serializers check shape and types only (the rules stay in the services);
output serializers render what the selectors return and never carry internal review comments to a unit."""
from rest_framework import serializers

from qingshan.core.forms import TEXT_MAX_LENGTH, sane_date
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, User

from .choices import Condition, Granularity, Horizon, Progress


def _text(label: str, *, required: bool = True, max_length: int = TEXT_MAX_LENGTH) -> serializers.CharField:
    extra = {} if required else {"required": False, "default": ""}
    return serializers.CharField(label=label, allow_blank=True, max_length=max_length, **extra)


def _date(label: str) -> serializers.DateField:
    return serializers.DateField(label=label, validators=[sane_date])


def _files(label: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.FileField(allow_empty_file=True, use_url=False), label=label,
                                 required=False, default=list)


def _user(label: str) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), label=label,
        error_messages={"does_not_exist": "ID 为 {pk_value} 的人员不存在。", "incorrect_type": "人员 ID 须为整数。"})


class RectPlanInput(serializers.Serializer):
    target = _text("整改目标")
    measures = _text("整改措施")
    co_units = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(kind=OrgKind.UNIT)),
        label="配合单位", required=False, default=list)
    responsible_leader = _text("责任领导", max_length=50)
    responsible_person = _text("责任人", max_length=50)
    horizon = serializers.ChoiceField(label="整改时限类型", choices=Horizon.choices)
    deadline = _date("整改期限")
    granularity = serializers.ChoiceField(label="倒排工期", choices=Granularity.choices)


class RectMilestonesInput(serializers.Serializer):
    lines = _text("整改节点（每行：日期 内容）")


class RectMilestoneDoneInput(serializers.Serializer):
    milestone = serializers.IntegerField(label="节点 ID")
    done_on = _date("完成日期")


class RectProgressInput(serializers.Serializer):
    progress = serializers.ChoiceField(label="整改进度", choices=Progress.choices)
    text = _text("进展情况")
    files = _files("照片或材料")


class RectDiaryInput(serializers.Serializer):
    happened_on = _date("核查日期")
    text = _text("现场核查情况")
    files = _files("现场照片或材料")


class RectTextInput(serializers.Serializer):
    text = _text("内部审核意见")


class RectNoteInput(serializers.Serializer):
    note = _text("说明", required=False)


class RectSiteCheckInput(serializers.Serializer):
    note = _text("现场核查情况")
    supervisor_signatory = _user("督导方签字人")
    unit_signatory = _user("责任单位签字人")


class RectReasonInput(serializers.Serializer):
    reason = _text("理由")


class RectSignInput(serializers.Serializer):
    password = serializers.CharField(label="登录密码", max_length=128, style={"input_type": "password"})
    opinion = _text("签字意见", required=False)


class RectPublishInput(serializers.Serializer):
    days = serializers.IntegerField(label="公示期（工作日）", min_value=1, max_value=30, default=5)


class RectObjectionInput(serializers.Serializer):
    raised_on = _date("提出日期")
    raised_by = _text("提出人（或来源）", max_length=100)
    content = _text("异议内容")


class RectAnswerInput(serializers.Serializer):
    objection = serializers.IntegerField(label="异议 ID")
    answer = _text("答复")


class RectConditionInput(serializers.Serializer):
    condition = serializers.ChoiceField(label="销号条件", choices=Condition.choices)
    evidence = _text("佐证材料或情况")


class RectCloseInput(serializers.Serializer):
    recheck_months = serializers.IntegerField(label="回头看安排（月后）", min_value=1, max_value=36, default=6)


class RectRecheckInput(serializers.Serializer):
    note = _text("回头看情况")


class RectReboundInput(serializers.Serializer):
    note = _text("反弹情况")
    deadline = _date("重新整改期限")


class RectItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    campaign = serializers.CharField(source="campaign.name")
    lead_unit = serializers.CharField(source="lead_unit.name")
    supervising_org = serializers.CharField(source="supervising_org.name")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    progress = serializers.CharField()
    progress_label = serializers.CharField(source="get_progress_display")
    warning = serializers.CharField()
    warning_label = serializers.CharField(source="get_warning_display")
    deadline = serializers.DateField()
    horizon_label = serializers.CharField(source="get_horizon_display")
