"""Input forms of the 数据比对 pages. They check shape and types only; the rules live in services."""
from django import forms

from qingshan.core.forms import StyledForm
from qingshan.orgs.models import Region
from qingshan.problems.models import Category

from .choices import Queue, Schedule, SpecFormat


class CheckModelForm(StyledForm):
    code = forms.CharField(label="模型代码", max_length=64, help_text="小写字母、数字和下划线，如 water_target_class")
    name = forms.CharField(label="模型名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    spec_format = forms.ChoiceField(label="定义格式", choices=SpecFormat.choices, initial=SpecFormat.YAML)
    spec_text = forms.CharField(label="模型定义", strip=False, widget=forms.Textarea(
        attrs={"rows": 18, "class": "form-control form-control-sm font-monospace", "spellcheck": "false"}))
    default_queue = forms.ChoiceField(label="默认研判队列", choices=Queue.choices, initial=Queue.VERIFY)
    problem_category = forms.ModelChoiceField(label="转问题默认类别", queryset=Category.objects.all(), required=False)
    create_problems = forms.BooleanField(label="命中直接生成问题（不经研判）", required=False)
    note = forms.CharField(label="修改说明", max_length=200, required=False)


class CheckModelEditForm(CheckModelForm):
    """The editor on a model's page: the code is fixed once created."""

    DRAFT_FIELDS = ("spec_text", "spec_format")  # what a dry run of the editor's text (草稿试运行) reads

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]

    def draft_is_valid(self) -> bool:
        """Whether the spec fields pass the checks a save makes; errors of fields a dry run does not read are
        dropped, so the editor shows only what stopped the dry run and keeps the rest as typed."""
        for name in [name for name in self.errors if name not in self.DRAFT_FIELDS]:
            del self.errors[name]
        return not self.errors


class ScheduleForm(StyledForm):
    schedule = forms.ChoiceField(label="运行计划", choices=Schedule.choices)


class ConfirmForm(StyledForm):
    category = forms.ModelChoiceField(label="问题类别", queryset=Category.objects.all(), required=False)
    region = forms.ModelChoiceField(label="所在区划", queryset=Region.objects.filter(level__lte=2), required=False)
    title = forms.CharField(label="问题标题", max_length=200, required=False)
    reason = forms.CharField(label="研判意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(StyledForm):
    reason = forms.CharField(label="核查要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(StyledForm):
    # Required is checked by the service (with its Chinese message), so the form lets a blank reason through.
    reason = forms.CharField(label="排除理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


