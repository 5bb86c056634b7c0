"""Input of the inbox: the snooze form."""
from django import forms

from .choices import Stage


class SnoozeForm(forms.Form):
    until = forms.DateField(label="暂缓至", widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": "请选择暂缓至哪一天。", "invalid": "日期格式不正确。"})
    reason = forms.CharField(label="暂缓理由", max_length=200, error_messages={"required": "请填写暂缓理由。"})


class InboxFilterForm(forms.Form):
    """The inbox's filters and grouping (GET); the unit and kind choices are the user's."""

    tab = forms.ChoiceField(required=False)
    stage = forms.ChoiceField(label="颜色", required=False)
    kind = forms.ChoiceField(label="类型", required=False)
    unit = forms.TypedChoiceField(label="单位", required=False, coerce=int, empty_value=None)
    group = forms.ChoiceField(label="分组", required=False)

    def __init__(self, data, *, tabs, kinds, units, groups):
        super().__init__(data)
        invalid = {"invalid_choice": "筛选条件有误：请从列表中选择。"}
        self.fields["tab"].choices = tabs
        self.fields["stage"].choices = [("", "全部颜色"), *Stage.choices]
        self.fields["kind"].choices = [("", "全部类型"), *kinds]
        self.fields["unit"].choices = [("", "全部单位"), *units]
        self.fields["group"].choices = groups
        for field in self.fields.values():
            field.error_messages.update(invalid)

    def filters(self) -> dict:
        """The valid filters as keyword arguments of `notification_list` (an invalid form filters nothing)."""
        if not self.is_valid():
            return {"tab": "unread"}
        data = self.cleaned_data
        return {"tab": data["tab"] or "unread", "stage": data["stage"], "kind": data["kind"], "unit": data["unit"],
                "group": data["group"]}
