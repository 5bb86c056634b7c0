"""The problems' measures of 一图总览 (domain §10), declared through the "overview" contract of core/registry.py.

Each measure is a named KPI condition of problems.kpis (a count) or a kpis.RATES entry (numerator over
denominator), optionally narrowed by a problem-list parameter (the red list: escalation_level=3, counted as the
kpis.EXTRA_CONDITIONS entry red_open). The numbers are
counted over the same ProblemFilter the problem list uses, and each links to that list with the same parameters,
so a figure always equals the length of its list. All problem measures of one page share one grouped query.
"""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from qingshan.core.choices import EscalationLevel
from qingshan.core.overview import TOTAL, Scope, Value
from qingshan.problems import kpis

from .selectors import overview_problem_counts, period_params


@dataclass(frozen=True)
class ProblemCount:
    """Problems meeting a named KPI condition, narrowed by `params` (problem-list parameters) and their `extra` Q."""

    key: str
    label: str
    condition: str
    order: int
    higher_is_better: bool = False
    params: dict[str, str] = field(default_factory=dict)
    counted: str = ""  # the condition counted (kpis.counted), when the list's params narrow `condition`
    kind: str = "count"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        counts = _shared_counts(scope)
        return {path: Value(row[self.counted or self.condition]) for path, row in counts.items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return problem_list_url(scope, region_id, {"kpi": self.condition, **self.params})

    def names(self) -> tuple[str, ...]:
        return (self.counted or self.condition,)


@dataclass(frozen=True)
class ProblemRate:
    """A kpis.RATES entry: numerator and denominator are named KPI conditions."""

    key: str
    order: int
    higher_is_better: bool = True
    kind: str = "rate"

    @property
    def rate(self) -> kpis.Rate:
        return next(rate for rate in kpis.RATES if rate.key == self.key)

    @property
    def label(self) -> str:
        return self.rate.label

    def by_district(self, scope: Scope) -> dict[str, Value]:
        counts = _shared_counts(scope)
        rate = self.rate
        return {path: Value(row[rate.numerator], row[rate.denominator]) for path, row in counts.items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        rate = self.rate
        return problem_list_url(scope, region_id, {"kpi": rate.numerator if part == "numerator" else rate.denominator})

    def names(self) -> tuple[str, ...]:
        return (self.rate.numerator, self.rate.denominator)


RED = str(EscalationLevel.RED.value)

MEASURES = [
    ProblemCount("received", "受理数", "received", order=10, higher_is_better=False),
    ProblemCount("overdue", "超期数", "overdue", order=20),
    ProblemRate("on_time_closure_rate", order=30),
    ProblemCount("open", "未办结数", "open", order=40),
    ProblemRate("closure_rate", order=50),
    ProblemCount("red_open", "红色督办未办结", "open", order=60, params={"escalation_level": RED},
                 counted="red_open"),
]


def _shared_counts(scope: Scope) -> dict[str, dict[str, int]]:
    """Every problem measure's counts by district path (and TOTAL), in one query per page."""
    if "problems" not in scope.memo:
        names = tuple(dict.fromkeys(name for measure in MEASURES for name in measure.names()))
        by_path = overview_problem_counts(scope, names)
        total = {name: sum(row[name] for row in by_path.values()) for name in names}
        scope.memo["problems"] = by_path | {TOTAL: total}
    return scope.memo["problems"]


def problem_list_url(scope: Scope, region_id: int | None, params: dict[str, str]) -> str:
    """The problem list for the scope's period and as-of day, in one region (or the scope's region), with `params`."""
    query = period_params(scope) | {"as_of": scope.as_of.isoformat()} | params
    region_id = region_id if region_id is not None else scope.region_id
    if region_id is not None:
        query["region"] = str(region_id)
    return f"{reverse('problems:list')}?{urlencode(query)}"
