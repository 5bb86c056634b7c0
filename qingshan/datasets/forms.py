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
