"""One filter set for the triage queue (研判), the hit list behind each KPI figure and the API's hit list."""
import django_filters
from django.db.models import Q

from qingshan.orgs.models import Region

from .choices import HitState, Queue
from .models import CheckModel, Hit

# KPI drill-downs: each figure on the home page links to the list of exactly the hits it counts.
KPI_CONDITIONS = {
    "hits": (Q(), "命中线索"),
    "open": (Q(state__in=[HitState.NEW, HitState.VERIFYING]), "待研判及核查中"),
    "converted": (Q(state=HitState.CONVERTED), "已转问题"),
    "decided": (Q(state__in=[HitState.CONVERTED, HitState.DISMISSED]), "已研判（转问题或排除）"),
    "dismissed": (Q(state=HitState.DISMISSED), "已排除"),
}


class HitFilter(django_filters.FilterSet):
    queue = django_filters.ChoiceFilter(label="研判队列", choices=Queue.choices)
    model = django_filters.ModelChoiceFilter(label="模型", queryset=CheckModel.objects.all())
    state = django_filters.MultipleChoiceFilter(label="状态", choices=HitState.choices, distinct=False)
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    kpi = django_filters.ChoiceFilter(label="统计口径", method="filter_kpi",
                                      choices=[(k, v[1]) for k, v in KPI_CONDITIONS.items()])
    absent = django_filters.BooleanFilter(label="本次未再出现", field_name="absent_in_last_run")
    # The hits located in a region or below it (一图总览's district links); hits without a region are in none.
    region = django_filters.ModelChoiceFilter(label="所在区划", queryset=Region.objects.all(), method="filter_region")

    class Meta:
        model = Hit
        fields = ["queue", "model", "state"]

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        if models is not None:
            # Only the models the user may see are offered (and accepted) as a filter value.
            self.filters["model"].queryset = models

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(subject_key__icontains=value) | Q(subject_label__icontains=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(KPI_CONDITIONS[value][0])
