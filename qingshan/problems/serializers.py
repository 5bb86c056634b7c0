"""The problems API's shapes. Input serializers check shape and types only (every business rule stays in the services);
output serializers render what the selectors return and never carry a reporter's clear contact details."""
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qingshan.access.events import public_payload
from qingshan.access.problems import access_problem
from qingshan.api.errors import ErrorOutput  # noqa: F401  (re-exported for the problems API)
from qingshan.core.errors import NotFound
from qingshan.core.forms import TEXT_MAX_LENGTH, sane_date
from qingshan.orgs.models import Organisation, Region, User
from qingshan.problems.choices import Action, AttachmentPurpose, Urgency
from qingshan.problems.models import Category, Problem, Source
from qingshan.problems.timelimits import SHARE_FEEDBACK_DAYS
from qingshan.workdays.calendar import is_provisional

# ---------------------------------------------------------------- input helpers


def _ref(queryset, label: str, noun: str, **kwargs) -> serializers.PrimaryKeyRelatedField:
    """A reference by id whose errors name what was looked for ("ID 为 9 的单位不存在。")."""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset, label=label,
        error_messages={"does_not_exist": f"ID 为 {{pk_value}} 的{noun}不存在。",
                        "incorrect_type": f"{noun} ID 须为整数。"},
        **kwargs,
    )


def _refs(queryset, label: str, noun: str) -> serializers.ListField:
    """A list of references by id; an empty list is allowed (the services decide whether it may be empty)."""
    return serializers.ListField(child=_ref(queryset, label, noun), label=label, required=False, default=list,
                                 error_messages={"not_a_list": "须为 ID 列表。"})


def _text(label: str, *, required: bool = True, help_text: str = "", max_length: int = TEXT_MAX_LENGTH,
          **kwargs) -> serializers.CharField:
    # Blank text passes here on purpose: whether a reason may be blank is the service's rule and message.
    # The length is the column's (SQLite would store 5,000 characters in a 200-character column) or, for free text,
    # the same bound as the pages'.
    extra = {} if required else {"required": False, "default": ""}
    return serializers.CharField(label=label, allow_blank=True, help_text=help_text, max_length=max_length,
                                 error_messages={"max_length": "不能超过 {max_length} 个字符。"}, **extra, **kwargs)


def _column(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _date(label: str, *, required: bool = True, help_text: str = "") -> serializers.DateField:
    extra = {} if required else {"required": False, "allow_null": True, "default": None}
    return serializers.DateField(label=label, help_text=help_text, validators=[sane_date], **extra)


def _files(label: str) -> serializers.ListField:
    # Empty or oversized files are refused by the service's upload check, with its own message.
    return serializers.ListField(child=serializers.FileField(allow_empty_file=True, use_url=False), label=label,
                                 required=False, default=list)


@extend_schema_field(OpenApiTypes.INT)
class VisibleProblemField(serializers.Field):
    """The id of another problem the caller may see; a missing and an invisible id get the same answer."""

    default_error_messages = {"invalid": "问题 ID 须为整数。", "not_found": "未找到 ID 为 {pk} 的问题，或您无权查看。"}

    def to_internal_value(self, data):
        """Resolve the id through `access`, so an id the caller may not see is refused like a missing one."""
        if isinstance(data, bool) or not (str(data).strip().isascii() and str(data).strip().isdecimal()):
            self.fail("invalid")
        try:
            return access_problem(self.context["request"].user, int(data))
        except NotFound:
            self.fail("not_found", pk=data)

    def to_representation(self, value):
        """The problem's id."""
        return value.pk


# ---------------------------------------------------------------- inputs


class ProblemCreateInput(serializers.Serializer):
    title = _text("标题", max_length=_column(Problem, "title"))
    description = _text("问题描述")
    source = _ref(Source.objects.all(), "来源", "问题来源")
    category = _ref(Category.objects.all(), "类别", "问题类别")
    region = _ref(Region.objects.all(), "所在区划", "行政区划")
    location = _text("具体位置", required=False, max_length=_column(Problem, "location"))
    lng = serializers.DecimalField(label="经度", max_digits=9, decimal_places=6, required=False, allow_null=True,
                                   default=None)
    lat = serializers.DecimalField(label="纬度", max_digits=9, decimal_places=6, required=False, allow_null=True,
                                   default=None)
    urgency = serializers.ChoiceField(label="紧急程度", choices=Urgency.choices, default=Urgency.NORMAL)
    # The same bounds as the registration page's (the masked copies' columns hold no more).
    reporter_name = _text("来电人姓名", required=False, max_length=50, write_only=True,
                          help_text="加密保存，接口不会返回明文")
    reporter_phone = _text("来电人电话", required=False, max_length=20, write_only=True,
                           help_text="加密保存，接口不会返回明文")
    restricted_to = _refs(User.objects.all(), "知悉人员", "用户")


class ProblemCreateMultipartInput(ProblemCreateInput):
    files = _files("登记材料")


class DispatchInput(serializers.Serializer):
    lead_unit = _ref(Organisation.objects.all(), "主办单位", "单位")
    co_units = _refs(Organisation.objects.all(), "协办单位", "单位")
    handle_deadline = _date("办理期限", required=False, help_text="留空则按时限规则计算")
    note = _text("交办说明", required=False)


class ReassignInput(serializers.Serializer):
    lead_unit = _ref(Organisation.objects.all(), "主办单位", "单位")
    co_units = _refs(Organisation.objects.all(), "协办单位", "单位")
    reason = _text("改派理由")
    handle_deadline = _date("办理期限", required=False, help_text="留空则按时限规则重新计算")


class EmptyInput(serializers.Serializer):
    pass


class DecisionCommentInput(serializers.Serializer):
    """审核通过办结 / 阶段性办结 / 发回重办 each at its own endpoint."""

    comment = _text("审核意见", required=False, help_text="发回重办时必填")
    internal = serializers.BooleanField(label="内部意见", required=False, default=False,
                                        help_text="内部意见不向责任单位显示")


class ApproveExtensionInput(serializers.Serializer):
    deadline = _date("批准期限", required=False, help_text="留空则按申请的日期")
    reason = _text("审批意见", required=False)


class RejectExtensionInput(serializers.Serializer):
    reason = _text("审批意见", help_text="不予延期的理由")


class ReturnInput(serializers.Serializer):
    reason = _text("退回理由", help_text="不属于本单位职责的依据")


class NoteInput(serializers.Serializer):
    note = _text("说明", required=False)


class RequestExtensionInput(serializers.Serializer):
    requested_deadline = _date("申请延至")
    reason = _text("延期理由")


class DecideExtensionInput(serializers.Serializer):
    approve = serializers.BooleanField(label="是否批准")
    reason = _text("审批意见", required=False, help_text="不予延期时必填")
    deadline = _date("批准期限", required=False, help_text="留空则按申请的日期")


class ReplyInput(serializers.Serializer):
    text = _text("办理情况", help_text="不带文件时，须此前已上传过办结佐证")


class ReplyMultipartInput(ReplyInput):
    files = _files("办结佐证")


class ReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        label="审核结论", choices=[(a.value, a.label) for a in (Action.APPROVE, Action.APPROVE_STAGE, Action.REJECT)])
    comment = _text("审核意见", required=False, help_text="发回重办时必填")
    internal = serializers.BooleanField(label="内部意见", required=False, default=False,
                                        help_text="内部意见不向责任单位显示")


class RevisitInput(serializers.Serializer):
    satisfied = serializers.BooleanField(label="是否满意")
    resolved = serializers.BooleanField(label="是否解决")
    note = _text("回访记录", required=False)


class UrgeInput(serializers.Serializer):
    note = _text("催办内容")


class EscalateInput(serializers.Serializer):
    level = serializers.IntegerField(label="督办等级", help_text="1 蓝色，2 黄色，3 红色；只能提高")
    reason = _text("督办理由")


class InstructInput(serializers.Serializer):
    text = _text("批示内容")


class ProgressInput(serializers.Serializer):
    text = _text("进展情况")
    files = _files("进展材料")


class PartnerReplyInput(serializers.Serializer):
    text = _text("办理结果")
    files = _files("相关材料")


class MergeInput(serializers.Serializer):
    primary = VisibleProblemField(label="并入的主问题", help_text="主问题的 ID")
    reason = _text("并单理由")


class TransferClueInput(serializers.Serializer):
    reported_unit = _ref(Organisation.objects.all(), "被反映单位", "单位")
    reported_name = _text("被反映人", max_length=50)
    reason = _text("移送理由", max_length=2000)


class ShareInput(serializers.Serializer):
    partner = _ref(Organisation.objects.all(), "协作单位", "单位")
    reason = _text("移送理由")
    feedback_deadline = _date("反馈期限", required=False,
                              help_text=f"协作单位反馈办理结果的期限；留空则按 {SHARE_FEEDBACK_DAYS} 个工作日计算")


class RestrictInput(serializers.Serializer):
    users = _refs(User.objects.all(), "知悉人员", "用户")
    reason = _text("理由")


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(label="文件", allow_empty_file=True, use_url=False)
    purpose = serializers.ChoiceField(label="用途", choices=AttachmentPurpose.choices, default=AttachmentPurpose.OTHER)


class RevealReporterInput(serializers.Serializer):
    # Not blank: the reason is what the reveal log (借阅登记) is for.
    reason = serializers.CharField(label="查看事由", trim_whitespace=True, max_length=200,
                                   error_messages={"max_length": "不能超过 {max_length} 个字符。"})


# ---------------------------------------------------------------- outputs


class RefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class ProblemRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class AssignmentOutput(serializers.Serializer):
    unit = RefOutput()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    is_active = serializers.BooleanField()
    assigned_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()


class ExtensionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    requested_by = RefOutput()
    requested_at = serializers.DateTimeField()
    old_deadline = serializers.DateField()
    requested_deadline = serializers.DateField()
    reason = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    decided_by = RefOutput(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    purpose_display = serializers.CharField(source="get_purpose_display")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = RefOutput()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        """The API endpoint that checks access and logs the download."""
        path = reverse("api:attachment-download", kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ShareOutput(serializers.Serializer):
    partner = RefOutput()
    shared_at = serializers.DateTimeField()
    reason = serializers.CharField()


class ReporterOutput(serializers.Serializer):
    name = serializers.CharField(help_text="脱敏姓名")
    phone = serializers.CharField(help_text="脱敏电话")
    can_reveal = serializers.BooleanField(help_text="当前用户能否申请查看明文（须填写事由并留痕）")


class RevealedReporterOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class AllowedActionOutput(serializers.Serializer):
    action = serializers.CharField(help_text="动作代码")
    label = serializers.CharField(help_text="动作名称")
    endpoint = serializers.CharField(help_text="执行该动作的接口（POST）")


class TimelineEventOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    action = serializers.CharField()
    action_display = serializers.SerializerMethodField()
    actor_name = serializers.CharField()
    actor_org = RefOutput(allow_null=True)
    actor_org_name = serializers.CharField(source="actor_org_label",
                                           help_text="操作单位名称（事件写入时的名称，受签名保护）")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    payload = serializers.SerializerMethodField()
    internal = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, event) -> dict:
        """The event's details, less those only the supervising side may read."""
        return public_payload(event.payload, self.context.get("sees_internal", False))

    def get_action_display(self, event) -> str:
        """The Chinese name of the action."""
        return Action(event.action).label if event.action in Action.values else event.action


class ProblemListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    urgency = serializers.CharField()
    urgency_display = serializers.CharField(source="get_urgency_display")
    source = RefOutput()
    category = RefOutput()
    region = RefOutput()
    lead_unit = RefOutput(allow_null=True)
    received_at = serializers.DateTimeField()
    sign_deadline = serializers.DateField(allow_null=True)
    handle_deadline = serializers.DateField(allow_null=True)
    deadline_provisional = serializers.SerializerMethodField(
        help_text="签收期限或办理期限落在节假日安排为暂定的年份：按暂定工作日历计算，国务院办公厅通知发布后可能调整，"
                  "须届时核对（页面上标“暂定日历”）")
    closed_at = serializers.DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()
    escalation_display = serializers.CharField(source="get_escalation_level_display")
    is_restricted = serializers.BooleanField()

    def get_deadline_provisional(self, problem) -> bool:
        return is_provisional(problem.sign_deadline) or is_provisional(problem.handle_deadline)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, problem) -> str:
        """This problem's detail endpoint."""
        path = reverse("api:problem-detail", kwargs={"pk": problem.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ProblemDetailOutput(ProblemListOutput):
    """One problem as its caller may see it. Context: allowed_actions, timeline, reporter, sees_internal."""

    description = serializers.CharField()
    location = serializers.CharField()
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    supervising_org = RefOutput()
    created_by = RefOutput()
    received_on = serializers.DateField()
    original_handle_deadline = serializers.DateField(allow_null=True)
    first_dispatched_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    signed_on_time = serializers.BooleanField(allow_null=True)
    replied_on_time = serializers.BooleanField(allow_null=True)
    closed_on_time = serializers.BooleanField(allow_null=True)
    review_count = serializers.IntegerField()
    rejection_count = serializers.IntegerField()
    urge_count = serializers.IntegerField()
    reassign_count = serializers.IntegerField()
    reply_text = serializers.CharField()
    revisit_satisfied = serializers.BooleanField(allow_null=True)
    revisit_resolved = serializers.BooleanField(allow_null=True)
    merged_into = ProblemRefOutput(allow_null=True)
    duplicates = ProblemRefOutput(many=True)
    assignments = AssignmentOutput(many=True)
    extensions = ExtensionOutput(many=True)
    attachments = AttachmentOutput(many=True)
    shares = serializers.SerializerMethodField()
    restricted_to = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(ShareOutput(many=True))
    def get_shares(self, problem):
        """Transfers to partner bodies, shown to the supervising side only."""
        if not self.context["sees_internal"]:
            return []
        return ShareOutput(problem.shares.all(), many=True, context=self.context).data

    @extend_schema_field(RefOutput(many=True))
    def get_restricted_to(self, problem):
        """The people a restricted problem is limited to, shown to the supervising side only."""
        if not (problem.is_restricted and self.context["sees_internal"]):
            return []
        return RefOutput(problem.restricted_to.all(), many=True).data

    @extend_schema_field(ReporterOutput(allow_null=True))
    def get_reporter(self, problem):
        """The masked reporter (never the clear data), or null for those who may not know of one."""
        reporter = self.context["reporter"]
        return ReporterOutput(reporter).data if reporter else None

    @extend_schema_field(AllowedActionOutput(many=True))
    def get_allowed_actions(self, problem):
        """What the caller may do now, with the endpoint that does it."""
        return AllowedActionOutput(self.context["allowed_actions"], many=True).data

    @extend_schema_field(TimelineEventOutput(many=True))
    def get_timeline(self, problem):
        """The problem's history, oldest first; internal events only for the supervising side."""
        return TimelineEventOutput(self.context["timeline"], many=True, context=self.context).data


class ActionResultOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField()
    problem = ProblemDetailOutput(allow_null=True,
                                  help_text="操作后的问题详情；若操作后您已无权查看该问题（如退回），则为 null")


class InboxQueueOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    own_count = serializers.IntegerField(help_text="其中本人事项（本人签收、登记、报送或研判的）的数量")
