"""Forms of the joint inspection and joint interview pages; the services validate again and say why in Chinese."""
from django import forms
from django.db.models import Q

from qingshan.core.forms import MultipleFileField, StyledForm
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region, User
from qingshan.orgs.pickers import orgs_field
from qingshan.problems.models import Category
from qingshan.rectification.models import Campaign

from .choices import CommitmentWay
from .forms import _bodies
from .interviews import Party
from .partners import DEFAULT_SHARED, SHAREABLE


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": f"请填写{label}。", "invalid": "日期格式不正确。"})


class InspectionForm(StyledForm):
    title = forms.CharField(label="检查名称", max_length=200, error_messages={"required": "请填写检查名称。"})
    starts_on = _date("开始日期")
    ends_on = _date("结束日期")
    participants = orgs_field(_bodies().select_related("region").order_by("kind", "region__path", "sort_order"),
                              label="参加单位", error_messages={"required": "请至少选择一个参加单位。"})
    scope = forms.CharField(label="检查内容", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _people_of(inspection) -> "forms.models.QuerySet[User]":
    bodies = [inspection.led_by_id, *inspection.participants.values_list("pk", flat=True)]
    return User.objects.filter(Q(memberships__organisation_id__in=bodies, memberships__is_active=True),
                               is_active=True).distinct().order_by("full_name")


class TeamForm(StyledForm):
    name = forms.CharField(label="检查组名称", max_length=50, error_messages={"required": "请填写检查组名称。"})
    leader = forms.ModelChoiceField(label="组长", queryset=User.objects.none(),
                                    error_messages={"required": "请选择组长。"})
    members = forms.ModelMultipleChoiceField(label="组员（可多选）", queryset=User.objects.none(), required=False)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = self.fields["members"].queryset = _people_of(inspection)


class SiteForm(StyledForm):
    team = forms.ModelChoiceField(label="检查组", queryset=None, error_messages={"required": "请选择检查组。"})
    name = forms.CharField(label="检查点位", max_length=100, error_messages={"required": "请填写检查点位。"})
    region = forms.ModelChoiceField(label="所在区划", queryset=Region.objects.order_by("path"),
                                    error_messages={"required": "请选择所在区划。"})
    visit_on = _date("检查日期")
    address = forms.CharField(label="地址", max_length=200, required=False)
    lng = forms.DecimalField(label="经度", max_digits=9, decimal_places=6, required=False)
    lat = forms.DecimalField(label="纬度", max_digits=9, decimal_places=6, required=False)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = inspection.teams.all()


class FindingForm(StyledForm):
    site = forms.ModelChoiceField(label="检查点位", queryset=None, error_messages={"required": "请选择检查点位。"})
    title = forms.CharField(label="发现问题", max_length=200, error_messages={"required": "请填写发现的问题。"})
    description = forms.CharField(label="具体情况", widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": "请填写具体情况。"})
    category = forms.ModelChoiceField(label="问题类别", queryset=Category.objects.all(),
                                      error_messages={"required": "请选择问题类别。"})
    files = MultipleFileField(label="现场照片或材料")

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = inspection.sites.select_related("team")


class SummaryForm(StyledForm):
    summary = forms.CharField(label="检查总结", widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写检查总结。"})


class DismissForm(StyledForm):
    reason = forms.CharField(label="不予立项理由", max_length=200,
                             error_messages={"required": "请填写不予立项的理由。"})


def _parse_parties(text: str, label: str) -> list[Party]:
    """One person a line: 单位，姓名，职务 (Chinese or ASCII commas, or tabs)."""
    by_name = {o.name: o for o in _bodies()}
    parties = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        cells = [c.strip() for c in line.replace("，", ",").replace("\t", ",").split(",")]
        if len(cells) != 3 or not all(cells):
            raise forms.ValidationError(f"{label}第 {n} 行应为“单位，姓名，职务”。")
        if cells[0] not in by_name:
            raise forms.ValidationError(f"{label}第 {n} 行：没有名为“{cells[0]}”的单位。")
        parties.append(Party(by_name[cells[0]], cells[1], cells[2]))
    if not parties:
        raise forms.ValidationError(f"请填写{label}（单位，姓名，职务）。")
    return parties


class InterviewForm(StyledForm):
    title = forms.CharField(label="约谈事由", max_length=200, error_messages={"required": "请填写约谈事由。"})
    held_on = _date("约谈日期")
    place = forms.CharField(label="地点", max_length=100, required=False)
    interviewers = forms.CharField(label="约谈方（每行：单位，姓名，职务）", widget=forms.Textarea(attrs={"rows": 2}),
                                   error_messages={"required": "请填写约谈方。"})
    interviewees = forms.CharField(label="被约谈方（每行：单位，姓名，职务）", widget=forms.Textarea(attrs={"rows": 2}),
                                   error_messages={"required": "请填写被约谈方。"})
    problems = forms.CharField(label="涉及问题（问题编号，用逗号或空格分隔）", required=False)
    record = forms.CharField(label="约谈记录", widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "请填写约谈记录。"})

    def clean_interviewers(self):
        return _parse_parties(self.cleaned_data["interviewers"], "约谈方")

    def clean_interviewees(self):
        return _parse_parties(self.cleaned_data["interviewees"], "被约谈方")

    def clean_problems(self):
        raw = self.cleaned_data.get("problems", "").replace("，", ",").replace("、", ",")
        return [n for n in raw.replace(",", " ").split() if n]


class CommitForm(StyledForm):
    text = forms.CharField(label="整改承诺", widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写整改承诺。"})
    way = forms.ChoiceField(label="落实方式", choices=CommitmentWay.choices,
                            error_messages={"required": "请选择落实方式。"})
    days = forms.IntegerField(label="完成期限（工作日）", min_value=1, max_value=250, initial=20,
                              error_messages={"required": "请填写完成期限。", "min_value": "至少 1 个工作日。",
                                              "max_value": "最多 250 个工作日。"})
    problem_number = forms.CharField(label="涉及问题（问题编号；建立整改事项时必填）", required=False)
    assignee = forms.ModelChoiceField(label="承办单位（交办协作任务时必填）", queryset=Organisation.objects.none(),
                                      required=False)
    campaign = forms.ModelChoiceField(label="整改工作（建立整改事项时必填）", queryset=Campaign.objects.none(),
                                      required=False)

    def __init__(self, *args, interview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = Organisation.objects.filter(
            pk__in=interview.parties.values("organisation")).order_by("name")
        self.fields["campaign"].queryset = Campaign.objects.filter(
            commission__region__path__in=[interview.led_by.region.path]).order_by("-year", "name")


class PartnerTransferForm(StyledForm):
    problem_number = forms.CharField(label="问题编号", max_length=40, error_messages={"required": "请填写问题编号。"})
    partner = forms.ModelChoiceField(label="协作单位", queryset=Organisation.objects.filter(
        kind=OrgKind.PARTNER, is_active=True).order_by("name"), error_messages={"required": "请选择协作单位。"})
    fields = forms.MultipleChoiceField(label="对方可见内容（问题编号总是移送）", widget=forms.CheckboxSelectMultiple,
                                       choices=[(k, label) for k, (label, _) in SHAREABLE.items()],
                                       initial=list(DEFAULT_SHARED), error_messages={"required": "请选择移送内容。"})
    request = forms.CharField(label="移送事项", widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写移送事项（请协作单位办理什么）。"})
    days = forms.IntegerField(label="反馈期限（工作日）", min_value=1, max_value=60, initial=10,
                              error_messages={"required": "请填写反馈期限。", "min_value": "至少 1 个工作日。",
                                              "max_value": "最多 60 个工作日。"})


class ResultForm(StyledForm):
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写办理结果。"})


class ReviewForm(StyledForm):
    opinion = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label="补充反馈期限（工作日，退回补充时）", min_value=1, max_value=60, initial=5,
                              required=False)
