from django import forms

from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region
from qingshan.orgs.pickers import orgs_field

from .models import PeerRegion


def _bodies():
    return Organisation.objects.filter(is_active=True, kind__in=[OrgKind.UNIT, OrgKind.PARTNER, OrgKind.OFFICE,
                                                                OrgKind.STATIONED_GROUP, OrgKind.COMMISSION])


class ConsultationForm(forms.Form):
    title = forms.CharField(label="会商主题", max_length=200, error_messages={"required": "请填写会商主题。"})
    held_on = forms.DateField(label="会商日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "请填写会商日期。", "invalid": "日期格式不正确。"})
    place = forms.CharField(label="地点", max_length=100, required=False)
    participants = orgs_field(_bodies().select_related("region").order_by("kind", "region__path", "sort_order"),
                              label="参加单位", error_messages={"required": "请至少选择一个参加单位。"})
    problems = forms.CharField(label="议题（问题编号，用逗号或空格分隔）", required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def problem_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("problems", "").replace("，", ",").replace("、", ",")
        return [n for n in raw.replace(",", " ").split() if n]


class RecordForm(forms.Form):
    attendees = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}),
                                error_messages={"required": "请填写参会人员。"})
    minutes = forms.CharField(label="会商纪要", widget=forms.Textarea(attrs={"rows": 5}),
                              error_messages={"required": "请填写会商纪要。"})


class DecideForm(forms.Form):
    text = forms.CharField(label="决定事项", widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写决定事项。"})
    assignee = forms.ModelChoiceField(label="承办单位", queryset=Organisation.objects.none(), empty_label="请选择",
                                      error_messages={"required": "请选择承办单位。"})
    days = forms.IntegerField(label="完成期限（工作日）", min_value=1, max_value=120, initial=10,
                              error_messages={"required": "请填写完成期限。", "min_value": "至少 1 个工作日。",
                                              "max_value": "最多 120 个工作日。"})
    problem_number = forms.CharField(label="关联议题（问题编号，可不填）", required=False)

    def __init__(self, *args, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if consultation is not None:
            self.fields["assignee"].queryset = consultation.participants.order_by("name")


class CompleteForm(forms.Form):
    result = forms.CharField(label="完成情况", widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写完成情况。"})


class TransferExportForm(forms.Form):
    problem_number = forms.CharField(label="问题编号", max_length=40, error_messages={"required": "请填写问题编号。"})
    peer = forms.ModelChoiceField(label="移送至", queryset=PeerRegion.objects.filter(is_active=True),
                                  empty_label="请选择", error_messages={"required": "请选择移送地区。"})
    note = forms.CharField(label="移送说明", widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写移送说明。"})


class TransferImportForm(forms.Form):
    package = forms.FileField(label="移送包（.zip）", error_messages={"required": "请选择移送包。"})
    region = forms.ModelChoiceField(label="登记到本地区划", queryset=Region.objects.order_by("path"),
                                    empty_label="请选择", error_messages={"required": "请选择区划。"})
