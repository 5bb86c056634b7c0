"""数据比对's figures of 一图总览 (the "overview" contract of core/registry.py): model hits, and how many of them
became problems (研判 conversion).

Each is a `filters.KPI_CONDITIONS` entry counted over the hits the viewer may see (`access.visible_hits`), grouped
by the district of the hit's region (a hit located at city level, or not located, counts in the total only), and
links to the 研判 list with the same `kpi` and `region`, so a figure always equals the length of its list. Hits are a
standing register: the overview's period of receipt (a problem notion) does not narrow them. One grouped query per
page.
"""
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from qingshan.access.datacheck import visible_hits
from qingshan.core.overview import ConditionCount, ConditionRate, Scope, counts_by_district
from qingshan.orgs.models import Region

from .filters import KPI_CONDITIONS

MEMO = "datacheck"
CONDITIONS = ("hits", "converted")


def _counts(scope: Scope) -> dict[str, dict[str, int]]:
    if MEMO not in scope.memo:
        hits = visible_hits(scope.user)
        if scope.region_id is not None:
            hits = hits.filter(region__path__startswith=Region.objects.get(pk=scope.region_id).path)
        scope.memo[MEMO] = counts_by_district(hits, {  # hits not located count in the total only
            name: Count("pk", filter=KPI_CONDITIONS[name][0]) for name in CONDITIONS}, "region__path")
    return scope.memo[MEMO]


def hit_list_url(scope: Scope, region_id: int | None, condition: str) -> str:
    query = {"kpi": condition}
    region_id = region_id if region_id is not None else scope.region_id
    if region_id is not None:
        query["region"] = str(region_id)
    return f"{reverse('datacheck:triage')}?{urlencode(query)}"


HitCount = partial(ConditionCount, counts=_counts, list_of=hit_list_url)
HitRate = partial(ConditionRate, counts=_counts, list_of=hit_list_url)

MEASURES = [
    HitCount("dc_hits", "模型命中线索", "hits", order=500),
    HitCount("dc_converted", "命中转为问题", "converted", order=510, higher_is_better=True),
    HitRate("dc_converted_rate", "命中转问题率", "converted", "hits", order=520),
]
