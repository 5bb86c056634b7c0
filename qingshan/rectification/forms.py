"""Input forms of the rectification pages. They check shape and types only; the rules live in services."""
from django import forms

from qingshan.core.forms import TEXT_MAX_LENGTH, ActionForm, MultipleFileField, PickerChoiceField, StyledForm
from qingshan.orgs.pickers import by_organisation, people, units_field

from .choices import Condition, Granularity, Horizon, Progress


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _text(label: str, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": rows}),
                           **kwargs)


class CampaignForm(StyledForm):
    name = forms.CharField(label="整改工作名称", max_length=200,
                           initial="第二轮中央生态环境保护督察反馈问题整改")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2099)
    basis = forms.CharField(label="反馈来源", max_length=200, required=False)


class ImportForm(StyledForm):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class PlanForm(ActionForm):
    target = _text("整改目标")
    measures = _text("整改措施", rows=5)
    co_units = units_field(label="配合单位", required=False)
    responsible_leader = forms.CharField(label="责任领导", max_length=50)
    responsible_person = forms.CharField(label="责任人", max_length=50)
    horizon = forms.ChoiceField(label="整改时限类型", choices=Horizon.choices)
    deadline = _date("整改期限")
    granularity = forms.ChoiceField(label="倒排工期", choices=Granularity.choices, initial=Granularity.MONTH,
                                    help_text="系统按所选方式从整改期限倒排节点（均落在工作日），提交后可调整。")


class MilestonesForm(ActionForm):
    lines = _text("整改节点", rows=10, help_text="每行一个节点：日期 空格 节点内容，如“2026-04-30 完成方案编制”。")


class MilestoneDoneForm(ActionForm):
    milestone = forms.IntegerField(label="节点", widget=forms.HiddenInput)
    done_on = _date("完成日期")


class ProgressForm(ActionForm):
    progress = forms.ChoiceField(label="整改进度", choices=Progress.choices)
    text = _text("进展情况", rows=4)
    files = MultipleFileField(label="照片或材料")


class DiaryForm(ActionForm):
    happened_on = _date("核查日期")
    text = _text("现场核查情况", rows=4)
    files = MultipleFileField(label="现场照片或材料")


class ReviewNoteForm(ActionForm):
    text = _text("内部审核意见（责任单位不可见）", rows=3)


class NoteForm(ActionForm):
    note = _text("说明", rows=2, required=False)


class SiteCheckForm(ActionForm):
    note = _text("现场核查情况", rows=4)
    supervisor_signatory = PickerChoiceField(label="督导方签字人（派驻组组长等）", queryset=people(),
                                             group_by=by_organisation)
    unit_signatory = PickerChoiceField(label="责任单位签字人（党组书记）", queryset=people(),
                                       group_by=by_organisation)


class ReasonForm(ActionForm):
    reason = _text("理由", rows=3)


class SignForm(ActionForm):
    password = forms.CharField(label="登录密码（确认本人签字）", widget=forms.PasswordInput, max_length=128)
    opinion = _text("签字意见", rows=2, required=False)


class PublishForm(ActionForm):
    days = forms.IntegerField(label="公示期（工作日）", min_value=1, max_value=30, initial=5)


class ObjectionForm(ActionForm):
    raised_on = _date("提出日期")
    raised_by = forms.CharField(label="提出人（或来源）", max_length=100)
    content = _text("异议内容")


class AnswerForm(ActionForm):
    objection = forms.IntegerField(label="异议", widget=forms.HiddenInput)
    answer = _text("答复")


class ConditionForm(ActionForm):
    condition = forms.ChoiceField(label="销号条件", choices=Condition.choices)
    evidence = _text("佐证材料或情况")


class CloseForm(ActionForm):
    recheck_months = forms.IntegerField(label="回头看安排（月后）", min_value=1, max_value=36, initial=6)


class RecheckForm(ActionForm):
    note = _text("回头看情况")


class ReboundForm(ActionForm):
    note = _text("反弹情况")
    deadline = _date("重新整改期限")
