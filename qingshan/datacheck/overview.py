"""数据比对's figures of 一图总览 (the "overview" contract of core/registry.py): model hits, and how many of them
became problems (研判 conversion).

Each is a `filters.KPI_CONDITIONS` entry counted over the hits the viewer may see (`access.visible_hits`), grouped
by the district of the hit's region (a hit located at city level, or not located, counts in the total only), and
links to the 研判 list with the same `kpi` and `region`, so a figure always equals the length of its list. Hits are a
standing register: the overview's period of receipt (a problem notion) does not narrow them. One grouped query per
page.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from qingshan.access.datacheck import visible_hits
from qingshan.core.overview import TOTAL, Scope, Value, district_path
from qingshan.orgs.models import Region

from .filters import KPI_CONDITIONS

MEMO = "datacheck"
CONDITIONS = ("hits", "converted")


def _counts(scope: Scope) -> dict[str, dict[str, int]]:
    if MEMO not in scope.memo:
        hits = visible_hits(scope.user)
        if scope.region_id is not None:
            hits = hits.filter(region__path__startswith=Region.objects.get(pk=scope.region_id).path)
        rows = hits.order_by().values(kpi_district=district_path("region__path")).annotate(
            **{name: Count("pk", filter=KPI_CONDITIONS[name][0]) for name in CONDITIONS})
        rows = list(rows)
        by_path = {row["kpi_district"]: {name: row[name] for name in CONDITIONS}
                   for row in rows if row["kpi_district"]}
        total = {name: sum(row[name] for row in rows) for name in CONDITIONS}  # not located ones too
        scope.memo[MEMO] = by_path | {TOTAL: total}
    return scope.memo[MEMO]


def hit_list_url(scope: Scope, region_id: int | None, condition: str) -> str:
    query = {"kpi": condition}
    region_id = region_id if region_id is not None else scope.region_id
    if region_id is not None:
        query["region"] = str(region_id)
    return f"{reverse('datacheck:triage')}?{urlencode(query)}"


@dataclass(frozen=True)
class HitCount:
    key: str
    label: str
    condition: str
    order: int
    higher_is_better: bool = False
    kind: str = "count"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.condition]) for path, row in _counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return hit_list_url(scope, region_id, self.condition)


@dataclass(frozen=True)
class HitRate:
    key: str
    label: str
    numerator: str
    denominator: str
    order: int
    higher_is_better: bool = True
    kind: str = "rate"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.numerator], row[self.denominator]) for path, row in _counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return hit_list_url(scope, region_id, self.numerator if part == "numerator" else self.denominator)


MEASURES = [
    HitCount("dc_hits", "模型命中线索", "hits", order=500),
    HitCount("dc_converted", "命中转为问题", "converted", order=510, higher_is_better=True),
    HitRate("dc_converted_rate", "命中转问题率", "converted", "hits", order=520),
]
