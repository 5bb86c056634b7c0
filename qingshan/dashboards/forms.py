"""The KPI page's filters: grouping, period of receipt and the as-of date, with this year as the default."""
import datetime as dt

from django import forms
from django.utils import timezone

from qingshan.core.forms import sane_date

from .selectors import GROUP_BY_CHOICES
from .tables import Filters

DATE_ERRORS = {"invalid": "请输入有效的日期，格式如 2026-01-31。"}


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class KpiFilterForm(forms.Form):
    group_by = forms.ChoiceField(label="统计维度", choices=GROUP_BY_CHOICES,
                                 error_messages={"invalid_choice": "请选择有效的统计维度。"},
                                 widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    received_from = forms.DateField(label="受理日期起", required=False, error_messages=DATE_ERRORS,
                                    widget=_date_input(), validators=[sane_date])
    received_to = forms.DateField(label="受理日期止", required=False, error_messages=DATE_ERRORS, widget=_date_input(),
                                  validators=[sane_date])
    as_of = forms.DateField(label="统计截止日", error_messages=DATE_ERRORS, widget=_date_input(),
                            validators=[sane_date])

    @staticmethod
    def defaults(today: dt.date) -> dict[str, str]:
        """This year up to today, by district."""
        return {"group_by": "region", "received_from": dt.date(today.year, 1, 1).isoformat(),
                "received_to": today.isoformat(), "as_of": today.isoformat()}

    @classmethod
    def from_query(cls, query) -> "KpiFilterForm":
        """A bound form from query parameters; a missing or blank parameter takes its default."""
        data = cls.defaults(timezone.localdate())
        data.update({key: query.get(key) for key in data if query.get(key, "").strip()})
        return cls(data=data)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError("受理日期起不能晚于受理日期止。")
        return cleaned

    def filters(self) -> Filters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        return Filters(group_by=data["group_by"], received_from=data["received_from"],
                       received_to=data["received_to"], as_of=data["as_of"])


class OverviewForm(forms.Form):
    """一图总览's filters: the period of receipt, the as-of date, one district or all, and the map's measure."""

    received_from = forms.DateField(label="受理日期起", required=False, error_messages=DATE_ERRORS,
                                    widget=_date_input(), validators=[sane_date])
    received_to = forms.DateField(label="受理日期止", required=False, error_messages=DATE_ERRORS, widget=_date_input(),
                                  validators=[sane_date])
    as_of = forms.DateField(label="统计截止日", error_messages=DATE_ERRORS, widget=_date_input(),
                            validators=[sane_date])
    region = forms.TypedChoiceField(label="区划", required=False, coerce=int, empty_value=None,
                                    error_messages={"invalid_choice": "请选择您有权查看的区划。"},
                                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    measure = forms.ChoiceField(label="地图指标", error_messages={"invalid_choice": "请选择有效的地图指标。"},
                                widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, districts, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "全部"), *((d.pk, d.name) for d in districts)]
        self.fields["measure"].choices = [(m.key, m.label) for m in measures]

    @classmethod
    def from_query(cls, query, *, districts, measures) -> "OverviewForm":
        """A bound form from query parameters; a missing or blank parameter takes its default (this year, 超期数)."""
        today = timezone.localdate()
        keys = [m.key for m in measures]
        data = {"received_from": dt.date(today.year, 1, 1).isoformat(), "received_to": today.isoformat(),
                "as_of": today.isoformat(), "region": "",
                "measure": "overdue" if "overdue" in keys else (keys[0] if keys else "")}
        data.update({key: query.get(key) for key in data if query.get(key, "").strip()})
        return cls(data=data, districts=districts, measures=measures)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError("受理日期起不能晚于受理日期止。")
        return cleaned
