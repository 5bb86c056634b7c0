"""Input forms of the discipline loop's pages. They check shape and types only; the rules live in services."""
from django import forms
from django.db.models import Q

from qingshan.access.clues import LEADER_ROLES, circle_of, visible_clues
from qingshan.core.forms import TEXT_MAX_LENGTH, ActionForm, StyledForm
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, User

from .choices import Disposal, Source, State
from .models import Clue

DATE = forms.DateInput(attrs={"type": "date"})


def _text(label: str, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=TEXT_MAX_LENGTH, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ClueCreateForm(StyledForm):
    source = forms.ChoiceField(label="来源", choices=[c for c in Source.choices if c[0] != Source.TRANSFER])
    received_on = forms.DateField(label="收件日期", widget=DATE)
    reported_unit = forms.ModelChoiceField(label="被反映单位", queryset=Organisation.objects.filter(is_active=True))
    reported_name = forms.CharField(label="被反映人", max_length=50)
    reported_post = forms.CharField(label="职务", max_length=100, required=False)
    summary = _text("主要问题摘要", help_text="内部摘要，不要写入举报人信息")
    about_principal_leader = forms.BooleanField(
        label="反映本级纪委监委主要负责人", required=False,
        help_text="勾选后直接上交上级，本级只留存来源、日期等最少信息，不录入内容和举报人")
    is_real_name = forms.BooleanField(label="实名举报", required=False)
    reporter_name = forms.CharField(label="举报人姓名", max_length=50, required=False)
    reporter_unit = forms.CharField(label="举报人单位", max_length=100, required=False)
    reporter_address = forms.CharField(label="举报人住址", max_length=200, required=False)
    reporter_phone = forms.RegexField(label="举报人电话", regex=r"^[0-9\-+ ]{5,20}$", required=False,
                                      error_messages={"invalid": "请输入有效的电话号码。"})
    reporter_id_number = forms.RegexField(label="举报人身份证号", regex=r"^[0-9]{17}[0-9Xx]$", required=False,
                                          error_messages={"invalid": "请输入18位身份证号码。"})
    original_text = _text("举报原文", required=False, rows=5,
                          help_text="加密保存，仅信访室、案管室和承办部门凭事由查阅")


class NoteForm(ActionForm):
    note = _text("意见", required=False, rows=2)


class ReasonForm(ActionForm):
    reason = _text("理由", rows=2)


class DuplicateForm(ActionForm):
    duplicate_of = forms.ModelChoiceField(label="首件线索", queryset=Clue.objects.none(), empty_label="请选择")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is not None:
            self.fields["duplicate_of"].queryset = visible_clues(self.actor).exclude(
                state__in=(State.DUPLICATE, State.FORWARDED_UP)).order_by("-id")


class TransferDownForm(ActionForm):
    down_to = forms.ModelChoiceField(label="下转至", queryset=Organisation.objects.filter(
        kind=OrgKind.COMMISSION, is_active=True, region__level__gt=1))
    note = _text("下转意见", required=False, rows=2)


class AssignForm(ActionForm):
    assigned_org = forms.ModelChoiceField(label="承办部门", queryset=Organisation.objects.filter(
        kind__in=(OrgKind.OFFICE, OrgKind.STATIONED_GROUP, OrgKind.COMMISSION), is_active=True))
    note = _text("分办意见", required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is not None:
            mine = circle_of(self.actor).anguan
            self.fields["assigned_org"].queryset = Organisation.objects.filter(
                is_active=True).filter(
                    Q(parent_id__in=mine, kind__in=(OrgKind.OFFICE, OrgKind.STATIONED_GROUP))
                    | Q(pk__in=mine, region__level__gt=1)).exclude(office_type__in=("xinfang", "anguan"))


class ProposeForm(ActionForm):
    disposal = forms.ChoiceField(label="拟处置方式", choices=Disposal.choices)
    reason = _text("处置意见", rows=3)
    matters = _text("函询事项", required=False, help_text="拟谈话函询时填写：写给被函询人的问题，不得含举报人信息")


class StudyForm(ActionForm):
    study_date = forms.DateField(label="研究日期", widget=DATE)
    attendees = _text("参会人员", rows=2)
    record = _text("研究记录", rows=3)
    signing_leader = forms.ModelChoiceField(label="签批领导", queryset=User.objects.none(), empty_label="请选择",
                                            help_text="由该领导本人审批（须再次输入登录密码）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The leaders of the commissions of the actor's teams; the service checks the clue's own commission and the
        # hard block again.
        teams = circle_of(self.actor).team if self.actor is not None else frozenset()
        commissions = Organisation.objects.filter(
            Q(pk__in=Organisation.objects.filter(pk__in=teams).values("parent_id"))
            | Q(pk__in=teams, kind=OrgKind.COMMISSION))
        self.fields["signing_leader"].queryset = User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__role__in=LEADER_ROLES,
            memberships__organisation__in=commissions).distinct().order_by("full_name")


class ApproveForm(ActionForm):
    note = _text("意见", required=False, rows=2)
    password = forms.CharField(label="登录密码（本人签批确认）", max_length=128, widget=forms.PasswordInput)


class ApproveShelveForm(ApproveForm):
    review_due = forms.DateField(label="下次复查日期", widget=DATE)


class ReplyForm(ActionForm):
    replied_on = forms.DateField(label="回复日期", widget=DATE)
    reply_text = _text("回复内容", rows=4)


class InquiryAgainForm(ActionForm):
    matters = _text("函询事项", help_text="写给被函询人的问题，不得含举报人信息")
    note = _text("意见", required=False, rows=2)


class VerifyForm(ActionForm):
    report = _text("初步核实报告", rows=5)
    signers = _text("核实组全体成员签名", rows=2, help_text="核实组每位成员的姓名，以顿号分隔")


class VerifyShelveForm(VerifyForm):
    review_due = forms.DateField(label="复查日期", widget=DATE)


class PostponeForm(ActionForm):
    review_due = forms.DateField(label="下次复查日期", widget=DATE)
    note = _text("复查意见", rows=2)


class NotifyForm(ActionForm):
    notified_on = forms.DateField(label="告知日期", widget=DATE)
    note = _text("告知方式及内容", rows=2, help_text="以不显示本机关名称的中性名义告知")


class ObjectionForm(ActionForm):
    received_on = forms.DateField(label="收到异议日期", widget=DATE)
    content = _text("异议内容", rows=3)
    answer = _text("答复内容", rows=3)


class RevealForm(StyledForm):
    reason = forms.CharField(label="查阅事由", max_length=200)
