"""The rectification measures of 一图总览 (domain §10): completion, accepted, 销号, overdue, rebound and the
red list (红牌), declared through the "overview" contract of core/registry.py.

Each is a named KPI condition of `selectors.kpi_conditions` counted over the items the viewer may see, grouped by
the district of the item's region, and links to the 整改清单 with the same `kpi`, `region` and `as_of`, so a figure
always equals the length of its list. The items are a standing ledger: the overview's period of receipt (a problem
notion) does not narrow them. All rectification measures of one page share one grouped query.
"""
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from qingshan.access.rectification import visible_items
from qingshan.core.overview import ConditionCount, ConditionRate, Scope, counts_by_district
from qingshan.orgs.models import Region

from .selectors import kpi_conditions

MEMO = "rectification"
CONDITIONS = ("all", "completed", "accepted", "closed", "overdue", "rebound", "red")


def _counts(scope: Scope) -> dict[str, dict[str, int]]:
    """Every condition's count by district path (and TOTAL), in one query per page."""
    if MEMO not in scope.memo:
        conditions = kpi_conditions(scope.as_of)
        items = visible_items(scope.user)
        if scope.region_id is not None:
            items = items.filter(region_path__startswith=Region.objects.get(pk=scope.region_id).path)
        scope.memo[MEMO] = counts_by_district(items, {
            name: Count("pk", filter=conditions[name][0]) for name in CONDITIONS})
    return scope.memo[MEMO]


def item_list_url(scope: Scope, region_id: int | None, condition: str) -> str:
    """The 整改清单 of one condition as of the scope's day, in one region (or the scope's region)."""
    query = {"kpi": condition, "as_of": scope.as_of.isoformat()}
    region_id = region_id if region_id is not None else scope.region_id
    if region_id is not None:
        query["region"] = str(region_id)
    return f"{reverse('rectification:list')}?{urlencode(query)}"


ItemCount = partial(ConditionCount, counts=_counts, list_of=item_list_url)
ItemRate = partial(ConditionRate, counts=_counts, list_of=item_list_url)

MEASURES = [
    ItemRate("rect_completion_rate", "整改完成率", "completed", "all", order=200),
    ItemCount("rect_accepted", "整改通过验收", "accepted", order=210, higher_is_better=True),
    ItemCount("rect_closed", "整改销号", "closed", order=220, higher_is_better=True),
    ItemCount("rect_overdue", "整改超期未完成", "overdue", order=230),
    ItemCount("rect_rebound", "整改反弹", "rebound", order=240),
    ItemCount("rect_red", "整改红牌预警", "red", order=250),  # the red list (红牌): open items unlikely to finish
]
