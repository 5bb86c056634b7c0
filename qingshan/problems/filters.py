"""One filter set for the problem list page, its export and the API's query parameters."""
import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from qingshan.core.forms import GroupedModelChoiceIterator, make_picker
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region
from qingshan.orgs.pickers import by_region

from . import kpis
from .choices import EscalationLevel, State, Urgency
from .models import Category, Problem, Source

ORDERINGS = {
    "-received_at": "登记时间（新→旧）",
    "received_at": "登记时间（旧→新）",
    "handle_deadline": "办理期限（近→远）",
    "-handle_deadline": "办理期限（远→近）",
    "-escalation_level": "督办等级（高→低）",
}


class UnitPickerField(FilterModelChoiceField):
    """The 主办单位 filter as a searchable picker: 全部, 无主办单位, then the units under their district's heading."""

    iterator = GroupedModelChoiceIterator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        make_picker(self, by_region)
        self.widget.attrs.setdefault("class", "form-select form-select-sm")


class UnitPickerFilter(django_filters.ModelChoiceFilter):
    field_class = UnitPickerField


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    state = django_filters.MultipleChoiceFilter(label="状态", choices=State.choices, distinct=False)
    source = django_filters.ModelChoiceFilter(label="来源", queryset=Source.objects.all())
    category = django_filters.ModelChoiceFilter(label="类别", queryset=Category.objects.all())
    region = django_filters.ModelChoiceFilter(label="区划", queryset=Region.objects.all(), method="filter_region")
    region_exact = django_filters.ModelChoiceFilter(label="区划（仅本级）", field_name="region",
                                                    queryset=Region.objects.all())
    lead_unit = UnitPickerFilter(label="主办单位", null_label="无主办单位", empty_label="全部",
                                 queryset=Organisation.objects.filter(kind=OrgKind.UNIT).select_related(
                                     "region").order_by("region__path", "sort_order", "id"))
    urgency = django_filters.ChoiceFilter(label="紧急程度", choices=Urgency.choices)
    escalation_level = django_filters.ChoiceFilter(label="督办等级", choices=EscalationLevel.choices)
    received_from = django_filters.DateFilter(label="受理日期起", field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(label="受理日期止", field_name="received_on", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(label="已超期", method="filter_overdue")
    kpi = django_filters.ChoiceFilter(label="统计口径", method="filter_kpi",
                                      choices=[(k, v[1]) for k, v in kpis.CONDITIONS.items()])
    as_of = django_filters.DateFilter(label="统计截止日", method="filter_noop")
    ordering = django_filters.ChoiceFilter(label="排序", choices=list(ORDERINGS.items()), method="filter_ordering")

    class Meta:
        model = Problem
        fields: list[str] = []

    def _as_of(self):
        return self.form.cleaned_data.get("as_of") or timezone.localdate()

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(location__icontains=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_path__startswith=value.path) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = kpis.overdue_now(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(kpis.condition(value, self._as_of())) if value else queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_ordering(self, queryset, name, value):
        if value not in ORDERINGS:
            return queryset
        field = F(value.lstrip("-"))
        # Problems without a deadline (not yet dispatched) go last in either direction.
        return queryset.order_by(field.desc(nulls_last=True) if value.startswith("-") else field.asc(nulls_last=True),
                                 "-id")
