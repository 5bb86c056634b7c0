"""The filter form every ledger shares: period, unit, state, open/closed."""
from django import forms

from qingshan.core.forms import PickerChoiceField
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation
from qingshan.orgs.pickers import by_kind, by_region

from .specs import LedgerSpec

STATUS_CHOICES = [("", "全部"), ("open", "未销账"), ("closed", "已销账")]


class LedgerFilterForm(forms.Form):
    period_from = forms.DateField(label="建账日期起", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label="建账日期止", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit = PickerChoiceField(label="单位", queryset=None, required=False, empty_label="全部", group_by=by_region)
    state = forms.ChoiceField(label="状态", required=False)
    status = forms.ChoiceField(label="销账情况", choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, spec: LedgerSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        # Units under their district's heading; other bodies (stationed groups, commissions) under their kind's.
        only_units = tuple(spec.unit_kinds) == (OrgKind.UNIT,)
        self.fields["unit"].queryset = Organisation.objects.filter(
            kind__in=spec.unit_kinds, is_active=True).select_related("region").order_by(
            *(("region__path", "sort_order", "id") if only_units else ("kind", "region__path", "name")))
        self.fields["unit"].group_of = by_region if only_units else by_kind
        self.fields["unit"].widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["unit"].label = spec.unit_label
        self.fields["state"].choices = [("", "全部"), *spec.state_labels.items()]
        if not spec.unit_field:
            del self.fields["unit"]
        if not spec.state_field:
            del self.fields["state"]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            raise forms.ValidationError("建账日期起不能晚于建账日期止。")
        return data

    def describe(self) -> str:
        """The filters in words, for the title row of an export."""
        if not self.is_bound or not self.is_valid():
            return "全部"
        data, parts = self.cleaned_data, []
        if data.get("period_from") or data.get("period_to"):
            start = data["period_from"].isoformat() if data.get("period_from") else "不限"
            end = data["period_to"].isoformat() if data.get("period_to") else "不限"
            parts.append(f"建账日期 {start} 至 {end}")
        if data.get("unit"):
            parts.append(f"{self.spec.unit_label}：{data['unit']}")
        if data.get("state"):
            parts.append(f"状态：{self.spec.state_labels.get(data['state'], data['state'])}")
        if data.get("status"):
            parts.append(dict(STATUS_CHOICES)[data["status"]])
        return "；".join(parts) or "全部"
