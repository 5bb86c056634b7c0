"""Input forms of the instruments' and accountability pages. They check shape and types only; the rules live in
services."""
from django import forms

from qingshan.core.forms import TEXT_MAX_LENGTH, ActionForm, MultipleFileField, StyledForm
from qingshan.orgs.pickers import unit_field, units_field

from .choices import FollowUpKind, Form, Kind, Level, Rank

DATE = forms.DateInput(attrs={"type": "date"})


class InstrumentCreateForm(StyledForm):
    kind = forms.ChoiceField(label="文书类型", choices=Kind.choices)
    level = forms.ChoiceField(label="督办等级", choices=Level.choices, required=False, help_text="仅督办函、督办单")
    recipient = unit_field(label="主送单位")
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="每行一段")
    problem_numbers = forms.CharField(label="涉及问题编号", required=False, max_length=2000,
                                      help_text="如 QS-2026-000001，多个以逗号或空格分隔")
    reply_deadline = forms.DateField(label="回复期限", widget=DATE)
    rectify_deadline = forms.DateField(label="整改期限", required=False, widget=DATE)
    cc = forms.CharField(label="抄送", max_length=200, required=False)


class InstrumentEditForm(ActionForm):
    """修改草稿: the draft's fields except its type (the type fixes the number series it will take)."""

    level = forms.ChoiceField(label="督办等级", choices=[("", "—"), *Level.choices], required=False,
                              help_text="仅督办函、督办单")
    recipient = unit_field(label="主送单位")
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="每行一段")
    problem_numbers = forms.CharField(label="涉及问题编号", required=False, max_length=2000,
                                      help_text="如 QS-2026-000001，多个以逗号或空格分隔")
    reply_deadline = forms.DateField(label="回复期限", widget=DATE)
    rectify_deadline = forms.DateField(label="整改期限", required=False, widget=DATE)
    cc = forms.CharField(label="抄送", max_length=200, required=False)


class NoteForm(ActionForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(ActionForm):
    pass


class VoidForm(ActionForm):
    reason = forms.CharField(label="作废原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(ActionForm):
    text = forms.CharField(label="回复内容", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label="书面回复文件", help_text="须上传加盖公章的书面回复（PDF、Word 或图片）")


class ReviewForm(ActionForm):
    comment = forms.CharField(label="审核意见", required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text="告知主送单位；退回时必填")


class FollowUpForm(ActionForm):
    kind = forms.ChoiceField(label="方式", choices=FollowUpKind.choices)
    happened_on = forms.DateField(label="日期", widget=DATE)
    text = forms.CharField(label="情况", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="材料")


class CloseForm(ActionForm):
    rectified = forms.TypedChoiceField(label="整改结果", choices=[("yes", "整改到位"), ("no", "未整改到位")],
                                       coerce=lambda v: v == "yes")
    comment = forms.CharField(label="办结意见", required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 2}))


class InternalNoteForm(ActionForm):
    text = forms.CharField(label="内部意见（不对主送单位显示）", max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AccountabilityForm(StyledForm):
    form = forms.ChoiceField(label="问责方式", choices=Form.choices)
    is_joint = forms.BooleanField(label="联合约谈", required=False)
    joint_partners = units_field(label="联合约谈单位", required=False)
    decided_on = forms.DateField(label="决定日期", widget=DATE)
    summary = forms.CharField(label="问责事由", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    organisations = units_field(label="被问责单位", required=False)
    persons = forms.CharField(
        label="被问责人员", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一人：姓名，职务，所在单位，职级（厅局级、县处级、乡科级、其他）")
    problem_numbers = forms.CharField(label="涉及问题编号", required=False, max_length=2000,
                                      help_text="只能关联您有权查看的问题，多个以逗号分隔")
    rectification_numbers = forms.CharField(label="涉及整改事项编号", required=False, max_length=2000,
                                            help_text="如 ZG-2026-0001，只能关联您有权查看的整改事项")
    clue_numbers = forms.CharField(label="相关线索编号", required=False, max_length=2000,
                                   help_text="只能关联您在办理范围内的线索")
    instrument_numbers = forms.CharField(label="相关文书字号", required=False, max_length=2000,
                                         help_text="如 青纪建〔2026〕3号，多个以逗号分隔")

    def clean_persons(self):
        """Lines of "姓名，职务，单位，职级" into dicts; a malformed line is named in the error."""
        ranks = {label: value for value, label in Rank.choices}
        persons = []
        for number, line in enumerate(self.cleaned_data["persons"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace(",", "，").split("，")]
            if len(parts) != 4 or not all(parts):
                raise forms.ValidationError(f"第{number}行应为“姓名，职务，所在单位，职级”四项。")
            if parts[3] not in ranks:
                raise forms.ValidationError(f"第{number}行的职级“{parts[3]}”无效，应为厅局级、县处级、乡科级或其他。")
            persons.append({"name": parts[0], "post": parts[1], "organisation_name": parts[2], "rank": ranks[parts[3]]})
        return persons


class ExposureBatchForm(StyledForm):
    title = forms.CharField(label="标题", max_length=200)
    published_on = forms.DateField(label="发布日期", widget=DATE)
    record_ids = forms.CharField(label="问责记录编号", max_length=2000, help_text="问责记录的编号，以逗号分隔")

    def clean_record_ids(self):
        raw = self.cleaned_data["record_ids"].replace("，", ",").replace(" ", ",")
        try:
            return sorted({int(part) for part in raw.split(",") if part})
        except ValueError as exc:
            raise forms.ValidationError("问责记录编号须为数字，以逗号分隔。") from exc


class TemplateUploadForm(StyledForm):
    kind = forms.ChoiceField(label="文书类型", choices=Kind.choices)
    file = forms.FileField(label="模板文件（.docx）")
    note = forms.CharField(label="说明", max_length=200, required=False)
