"""Forms of the data-set pages (input only: the services decide)."""
from django import forms

from .choices import ImportMode


class ImportForm(forms.Form):
    """Upload one file to import into a data set."""

    file = forms.FileField(label="数据文件",
                           help_text="CSV（UTF-8、GBK 或 GB18030 编码）、Excel（.xlsx）或 Parquet 文件",
                           error_messages={"required": "请选择要导入的文件。"})
    mode = forms.ChoiceField(label="导入方式", choices=ImportMode.choices, initial=ImportMode.APPEND,
                             widget=forms.RadioSelect)


class ShareForm(forms.Form):
    """Share a data set with one organisation (the choices are the owner's candidates)."""

    org = forms.TypedChoiceField(label="共享给", coerce=int, empty_value=None,
                                 error_messages={"required": "请选择共享给哪个单位。",
                                                 "invalid_choice": "所选单位不存在或不能共享。"})
    reason = forms.CharField(label="共享事由", max_length=200,
                             error_messages={"required": "请填写共享事由。",
                                             "max_length": "共享事由不能超过 200 个字。"})

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {o.pk: o for o in candidates}
        self.fields["org"].choices = [("", "请选择")] + [(o.pk, o.name) for o in candidates]
