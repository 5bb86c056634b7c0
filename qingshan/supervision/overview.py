"""监督清单's figures of 一图总览 (the "overview" contract of core/registry.py): key projects by stage, and those with
integrity-risk points. All of them count one read of `project_list` (the list their links open), split by the
list's own stage and risk filters; a test checks every figure against its list.

Report-slot progress: slots reported on time among those due, and slots overdue, as of the overview's day; each a
`selectors.slot_kpi_conditions` entry counted over `report_slot_list` (the 报送期次 list their links open) in one
grouped query, by the district of the assignee (a stationed group sits at city level: in the total only)."""
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from qingshan.core.overview import TOTAL, ConditionCount, ConditionRate, Scope, Value, counts_by_district

from .choices import Stage
from .selectors import project_list, report_slot_list, slot_kpi_conditions


def _district(path: str) -> str:
    """A region path cut after its district segment ("/city/district/town/" → "/city/district/")."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


@dataclass(frozen=True)
class ProjectCount:
    """Visible key projects narrowed by project-list parameters (`params`), by the district of their region."""

    key: str
    label: str
    order: int
    params: dict[str, str] = field(default_factory=dict)
    kind: str = "count"
    higher_is_better: bool = False

    def _filters(self, scope: Scope, region_id: int | None) -> dict[str, str]:
        region_id = region_id if region_id is not None else scope.region_id
        return self.params | ({"region": str(region_id)} if region_id is not None else {})

    def by_district(self, scope: Scope) -> dict[str, Value]:
        if "supervision.projects" not in scope.memo:  # one read for every project measure of the page
            scope.memo["supervision.projects"] = list(project_list(
                user=scope.user, filters=ProjectCount("", "", 0)._filters(scope, None),
            ).values_list("region__path", "stage", "risk_points"))
        counts: dict[str, int] = {}
        for path, stage, risk_points in scope.memo["supervision.projects"]:
            if self._selects(stage, risk_points):
                counts[_district(path)] = counts.get(_district(path), 0) + 1
        return {path: Value(n) for path, n in counts.items()} | {TOTAL: Value(sum(counts.values()))}

    def _selects(self, stage: str, risk_points: list) -> bool:
        """The list's own `stage` and `risk` filters (supervision.selectors.project_list), on one fetched row."""
        return ((not self.params.get("stage") or stage == self.params["stage"])
                and (not self.params.get("risk") or bool(risk_points)))

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return f"{reverse('supervision:projects')}?{urlencode(self._filters(scope, region_id))}"


SLOT_CONDITIONS = ("due", "on_time", "overdue")


def _slot_filters(scope: Scope, region_id: int | None) -> dict[str, str]:
    region_id = region_id if region_id is not None else scope.region_id
    return {"as_of": scope.as_of.isoformat()} | ({"region": str(region_id)} if region_id is not None else {})


def _slot_counts(scope: Scope) -> dict[str, dict[str, int]]:
    if "supervision.slots" not in scope.memo:
        conditions = slot_kpi_conditions(scope.as_of)
        slots = report_slot_list(user=scope.user, filters=_slot_filters(scope, None))
        scope.memo["supervision.slots"] = counts_by_district(slots, {
            name: Count("pk", filter=conditions[name][0]) for name in SLOT_CONDITIONS}, "org__region__path")
    return scope.memo["supervision.slots"]


def slot_list_url(scope: Scope, region_id: int | None, condition: str) -> str:
    return f"{reverse('supervision:slots')}?{urlencode({'kpi': condition} | _slot_filters(scope, region_id))}"


SlotCount = partial(ConditionCount, counts=_slot_counts, list_of=slot_list_url)
SlotRate = partial(ConditionRate, counts=_slot_counts, list_of=slot_list_url)


MEASURES = [
    *(ProjectCount(f"projects_{stage.value}", f"重点项目·{stage.label}", order=100 + i, params={"stage": stage.value})
      for i, stage in enumerate(Stage)),
    ProjectCount("projects_at_risk", "有廉政风险点的重点项目", order=110, params={"risk": "1"}),
    SlotRate("slots_on_time_rate", "监督事项按时报送率", "on_time", "due", order=120),
    SlotCount("slots_overdue", "监督事项逾期未报送", "overdue", order=130),
]
