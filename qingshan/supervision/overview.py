"""监督清单's figures of 一图总览 (the "overview" contract of core/registry.py): key projects by stage, and those with
integrity-risk points. All of them count one read of `project_list` (the list their links open), split by the
list's own stage and risk filters; a test checks every figure against its list."""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from qingshan.core.overview import TOTAL, Scope, Value

from .choices import Stage
from .selectors import project_list


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


MEASURES = [
    *(ProjectCount(f"projects_{stage.value}", f"重点项目·{stage.label}", order=100 + i, params={"stage": stage.value})
      for i, stage in enumerate(Stage)),
    ProjectCount("projects_at_risk", "有廉政风险点的重点项目", order=110, params={"risk": "1"}),
]
