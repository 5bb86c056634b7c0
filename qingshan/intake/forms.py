from django import forms

from .models import HotlineMapping


class HotlineImportForm(forms.Form):
    mapping = forms.ModelChoiceField(label="热线（列对应）", queryset=HotlineMapping.objects.filter(is_active=True),
                                     empty_label="请选择", error_messages={"required": "请选择热线。"})
    file = forms.FileField(label="热线日报文件（.xlsx 或 .csv，UTF-8 或 GBK 编码）",
                           error_messages={"required": "请选择要导入的文件。"})
