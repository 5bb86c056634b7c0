"""Input forms of the supervision pages. They check shape and types only; the rules live in services."""
import datetime as dt
import re

from django import forms

from qingshan.core.forms import StyledForm
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region
from qingshan.orgs.pickers import orgs_field, unit_choices
from qingshan.problems.models import Category

from .choices import STAGE_ORDER, ActivityKind, Cadence, RectificationStatus, Stage
from .models import KeyTask


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemCreateForm(StyledForm):
    title = forms.CharField(label="监督事项", max_length=200)
    content = forms.CharField(label="监督内容", widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label="监督依据", max_length=300, required=False)
    office = forms.ModelChoiceField(label="牵头部室", queryset=Organisation.objects.none())
    task = forms.ModelChoiceField(label="关联重点任务", queryset=None, required=False)
    project = forms.ModelChoiceField(label="关联重点项目", queryset=None, required=False)
    cadence = forms.ChoiceField(label="报送周期", choices=Cadence.choices, initial=Cadence.MONTHLY)
    custom_days = forms.IntegerField(label="自定义周期（天）", required=False, min_value=1, max_value=366)
    period_start = forms.DateField(label="起始日期", widget=_date_input())
    period_end = forms.DateField(label="截止日期", widget=_date_input())
    due_days = forms.IntegerField(label="每期结束后报送时限（工作日）", initial=5, min_value=0, max_value=60)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Organisation.objects.filter(kind=OrgKind.OFFICE, parent=plan.commission)
        self.fields["task"].queryset = KeyTask.objects.filter(theme__plan=plan)
        self.fields["project"].queryset = plan.projects.all()


class AssignForm(StyledForm):
    orgs = orgs_field(Organisation.objects.none(), label="承办监督主体")

    def __init__(self, *args, commission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].queryset = Organisation.objects.filter(
            kind__in=[OrgKind.STATIONED_GROUP, OrgKind.COMMISSION], region__path__startswith=commission.region.path,
            is_active=True).exclude(pk=commission.pk).select_related("region").order_by("kind", "sort_order", "id")


class ReadingForm(StyledForm):
    value = forms.DecimalField(label="数值", max_digits=18, decimal_places=4)
    read_on = forms.DateField(label="日期", widget=_date_input())
    source = forms.CharField(label="数据来源", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)


class StageForm(StyledForm):
    stage = forms.ChoiceField(label="推进到阶段", choices=Stage.choices)
    changed_on = forms.DateField(label="日期", widget=_date_input())
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current in STAGE_ORDER:
            # The project's current stage and those after it (stages only go forward), starting at the current one.
            later = STAGE_ORDER[STAGE_ORDER.index(current):]
            self.fields["stage"].choices = [(value, f"{Stage(value).label}（当前阶段）" if value == current else
                                             Stage(value).label) for value in later]
            self.fields["stage"].initial = current


class ReviewCommentForm(StyledForm):
    """The input of 审核通过 and 退回修改 (the action table's rules)."""

    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(ReviewCommentForm):
    """The review page's form: the decision chooses the rule, the comment is its input."""

    decision = forms.ChoiceField(label="审核结论", choices=[("approve", "审核通过"), ("return", "退回修改")],
                                 widget=forms.RadioSelect)
    field_order = ["decision", "comment"]


class UrgeForm(StyledForm):
    note = forms.CharField(label="催办内容", max_length=300)


class RectificationUpdateForm(StyledForm):
    status = forms.ChoiceField(label="整改状态", choices=RectificationStatus.choices)
    note = forms.CharField(label="进展说明", max_length=300)
    closed_on = forms.DateField(label="销号日期", required=False, widget=_date_input())


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


# ---------------------------------------------------------------- the report form: rows of three kinds

ROW_KINDS = {
    "act": ("kind", "happened_on", "note"),
    "fnd": ("title", "description", "category", "region", "location"),
    "rec": ("title", "measures", "responsible_unit", "deadline"),
}
BLANK_ROWS = {"act": 2, "fnd": 1, "rec": 1}
_KEY = re.compile(r"^(act|fnd|rec)-(\d{1,3})-(\w+)$")


def _date(text: str):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _id(text: str | None) -> int | None:
    """A posted id, or None for anything that is not plain ASCII digits ("²" is a digit to str.isdigit)."""
    return int(text) if text and text.isascii() and text.isdecimal() else None


def report_rows(post) -> dict[str, list[dict]]:
    """The rows posted by the report form, by kind, in index order; wholly blank rows are dropped."""
    rows: dict[str, dict[int, dict]] = {kind: {} for kind in ROW_KINDS}
    for key in post:
        match = _KEY.match(key)
        if match and match.group(3) in ROW_KINDS[match.group(1)]:
            rows[match.group(1)].setdefault(int(match.group(2)), {})[match.group(3)] = post.get(key, "").strip()
    return {kind: [r for _i, r in sorted(by_index.items()) if any(r.values())] for kind, by_index in rows.items()}


def parse_report(post) -> tuple[dict, list[str]]:
    """Turn the posted report form into the arguments of report_submit, with the errors of its shape."""
    rows = report_rows(post)
    errors: list[str] = []
    activities = []
    for n, r in enumerate(rows["act"], start=1):
        day = _date(r.get("happened_on", ""))
        if r.get("happened_on") and day is None:
            errors.append(f"第{n}项监督活动的日期格式不正确。")
        activities.append({"kind": r.get("kind"), "happened_on": day, "note": r.get("note", "")})
    categories = Category.objects.in_bulk([_id(r.get("category")) for r in rows["fnd"]])
    regions = Region.objects.in_bulk([_id(r.get("region")) for r in rows["fnd"]])
    findings = [{"title": r.get("title", ""), "description": r.get("description", ""),
                 "category": categories.get(_id(r.get("category"))), "region": regions.get(_id(r.get("region"))),
                 "location": r.get("location", "")} for r in rows["fnd"]]
    units = Organisation.objects.in_bulk([_id(r.get("responsible_unit")) for r in rows["rec"]])
    rectifications = []
    for n, r in enumerate(rows["rec"], start=1):
        day = _date(r.get("deadline", ""))
        if r.get("deadline") and day is None:
            errors.append(f"第{n}项整改的期限格式不正确。")
        unit = units.get(_id(r.get("responsible_unit")))
        rectifications.append({"title": r.get("title", ""), "measures": r.get("measures", ""),
                               "responsible_unit": unit, "deadline": day})
    data = {"summary": post.get("summary", ""), "activities": activities, "findings": findings,
            "rectifications": rectifications}
    return data, errors


def report_choices() -> dict:
    """Options of the report form's selects."""
    return {
        "activity_kinds": ActivityKind.choices,
        "categories": list(Category.objects.values_list("pk", "name")),
        "regions": list(Region.objects.filter(level__lte=2).values_list("pk", "name")),
        "units": unit_choices(),
    }
