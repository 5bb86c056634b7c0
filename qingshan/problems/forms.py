"""Input forms of the work loop's pages. They check shape and types only; the rules live in services."""
from django import forms

from qingshan.access.problems import visible_problems
from qingshan.core.forms import TEXT_MAX_LENGTH, ActionForm, MultipleFileField, PickerChoiceField, StyledForm
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region
from qingshan.orgs.pickers import by_region, people_field, unit_field, units_field

from .choices import AttachmentPurpose, EscalationLevel, Urgency
from .models import Category, Problem, Source
from .timelimits import SHARE_FEEDBACK_DAYS, share_feedback_deadline


class ProblemCreateForm(StyledForm):
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="问题描述", max_length=TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    source = forms.ModelChoiceField(label="来源", queryset=Source.objects.all())
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.all())
    region = forms.ModelChoiceField(label="所在区划", queryset=Region.objects.all())
    location = forms.CharField(label="具体位置", max_length=200, required=False)
    lng = forms.DecimalField(label="经度", max_digits=9, decimal_places=6, required=False, min_value=-180,
                             max_value=180)
    lat = forms.DecimalField(label="纬度", max_digits=9, decimal_places=6, required=False, min_value=-90,
                             max_value=90)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    reporter_name = forms.CharField(label="来电人姓名", max_length=50, required=False)
    reporter_phone = forms.RegexField(label="来电人电话", regex=r"^[0-9\-+ ]{5,20}$", required=False,
                                      error_messages={"invalid": "请输入有效的电话号码。"})
    files = MultipleFileField(label="登记材料")


class DispatchForm(ActionForm):
    lead_unit = unit_field(label="主办单位")
    co_units = units_field(label="协办单位", required=False)
    handle_deadline = forms.DateField(label="办理期限", required=False, help_text="留空则按办理时限规则以工作日计算",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="交办意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(DispatchForm):
    note = None
    reason = forms.CharField(label="改派理由", widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class OptionalNoteForm(ActionForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionRequestForm(ActionForm):
    requested_deadline = forms.DateField(label="申请延至", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionDecisionForm(ActionForm):
    deadline = forms.DateField(label="批准延至", required=False, help_text="留空则按申请日期",
                               widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionRejectForm(ActionForm):
    reason = forms.CharField(label="不予延期的理由", widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(ActionForm):
    text = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label="佐证材料")


class ReviewForm(ActionForm):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label="仅内部可见（不向责任单位显示）", required=False)


class RevisitForm(ActionForm):
    satisfied = forms.TypedChoiceField(label="群众是否满意", choices=[("1", "满意"), ("0", "不满意")],
                                       coerce=lambda v: v == "1", widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label="问题是否解决", choices=[("1", "已解决"), ("0", "未解决")],
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UrgeForm(ActionForm):
    note = forms.CharField(label="催办内容", widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(ActionForm):
    level = forms.TypedChoiceField(label="督办等级", coerce=int,
                                   choices=[c for c in EscalationLevel.choices if c[0] > 0])
    reason = forms.CharField(label="督办理由", widget=forms.Textarea(attrs={"rows": 3}))


class InstructForm(ActionForm):
    text = forms.CharField(label="批示内容", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(ActionForm):
    text = forms.CharField(label="进展情况", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label="进展材料（照片、文件）")


class PartnerReplyForm(ActionForm):
    text = forms.CharField(label="办理结果", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label="相关材料")


class MergeForm(ActionForm):
    primary = forms.CharField(label="并入的主问题编号", max_length=20, help_text="如 QS-2026-000123")
    reason = forms.CharField(label="并单理由", widget=forms.Textarea(attrs={"rows": 2}))

    def clean_primary(self):
        """The primary problem by its number, among those the actor may see (an invisible one reads as missing)."""
        number = self.cleaned_data["primary"].strip().upper()
        problem = visible_problems(self.actor).filter(number=number).first() if self.actor else None
        if problem is None:
            raise forms.ValidationError(f"没有编号为 {number} 的问题，或您无权查看。")
        return problem


class TransferClueForm(ActionForm):
    reported_unit = unit_field(label="被反映单位")
    reported_name = forms.CharField(label="被反映人", max_length=50)
    reason = forms.CharField(label="移送理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="问题线索转入纪检监察机关保密办理，责任单位看不到移送情况")


class ShareForm(ActionForm):
    partner = PickerChoiceField(label="协作单位", group_by=by_region,
                                queryset=Organisation.objects.filter(kind=OrgKind.PARTNER).select_related("region"))
    reason = forms.CharField(label="移送理由", widget=forms.Textarea(attrs={"rows": 2}))
    # Offered at today's default (10 working days); the transfer service checks the date the officer chooses.
    feedback_deadline = forms.DateField(
        label="反馈期限", required=False, initial=share_feedback_deadline,
        help_text=f"协作单位应在此日期前反馈办理结果；留空则按 {SHARE_FEEDBACK_DAYS} 个工作日计算",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请填写有效的日期，如 2026-03-16。"})


class RestrictForm(ActionForm):
    users = people_field(label="知悉人员（留空则取消限定）", required=False)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(StyledForm):
    file = forms.FileField(label="文件")
    purpose = forms.ChoiceField(label="用途", choices=AttachmentPurpose.choices, initial=AttachmentPurpose.OTHER)


class RevealForm(StyledForm):
    reason = forms.CharField(label="查看事由", max_length=200)


class BulkDispatchForm(StyledForm):
    problems = forms.ModelMultipleChoiceField(queryset=Problem.objects.none(), error_messages={
        "required": "请至少勾选一个问题。", "invalid_choice": "所选问题不存在或无权操作。",
        "invalid_pk_value": "所选问题不存在或无权操作。"})
    lead_unit = unit_field(label="主办单位", error_messages={"required": "请选择主办单位。"})

    def __init__(self, *args, visible=None, **kwargs):
        # Beside the list's filters on one page: ids of its own (the filters have a 主办单位 too).
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["problems"].queryset = visible if visible is not None else Problem.objects.none()
