"""Input of the inbox: the snooze form."""
from django import forms


class SnoozeForm(forms.Form):
    until = forms.DateField(label="暂缓至", widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": "请选择暂缓至哪一天。", "invalid": "日期格式不正确。"})
    reason = forms.CharField(label="暂缓理由", max_length=200, error_messages={"required": "请填写暂缓理由。"})
