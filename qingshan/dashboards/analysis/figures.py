"""The figures 一键分析 and the 体检报告 read: KPI counts of problems.kpis over the overview's scope, in total, by lead
unit and by district, each with the problem list behind it (the same parameters the overview's links use)."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from qingshan.core.overview import Scope
from qingshan.orgs.models import Organisation
from qingshan.problems import kpis

from ..overview import problem_list_url
from ..selectors import district_counts, scope_problems

RATES = {rate.key: rate for rate in kpis.RATES}
LOWER_IS_WORSE = {"closure_rate", "on_time_closure_rate", "on_time_sign_rate", "closed"}
# Every condition a rule or the 体检报告 may read (rates need their numerator and denominator).
CONDITIONS = ["received", "closed", "closed_on_time", "closed_or_overdue", "overdue", "open", "dispatched",
              "signed_on_time", "reviewed", "rejected", "urged"]


def aggregates(as_of: dt.date) -> dict:
    return {name: Count("pk", filter=kpis.condition(name, as_of)) for name in CONDITIONS}


def label_of(measure: str) -> str:
    return RATES[measure].label if measure in RATES else kpis.CONDITIONS[measure][1]


def is_rate(measure: str) -> bool:
    return measure in RATES


@dataclass(frozen=True)
class Amount:
    """A measure's value in one place: a count, or a rate as numerator over denominator."""

    measure: str
    numerator: int
    denominator: int | None = None

    @property
    def percent(self) -> float | None:
        """A rate in per cent (None for 0/0); a count as itself."""
        if self.denominator is None:
            return float(self.numerator)
        return 100.0 * self.numerator / self.denominator if self.denominator else None

    @property
    def base(self) -> int:
        """What a minimum base is checked against: the count, or the rate's denominator."""
        return self.numerator if self.denominator is None else self.denominator

    @property
    def text(self) -> str:
        if self.denominator is None:
            return f"{self.numerator:,}件"
        percent = self.percent
        return "—" if percent is None else f"{percent:.1f}%"


def amount(counts: dict[str, int], measure: str) -> Amount:
    if measure in RATES:
        rate = RATES[measure]
        return Amount(measure, counts.get(rate.numerator, 0), counts.get(rate.denominator, 0))
    return Amount(measure, counts.get(measure, 0))


def parts_of(measure: str) -> tuple[str, str | None]:
    """(numerator condition, denominator condition or None) of a measure."""
    if measure in RATES:
        return RATES[measure].numerator, RATES[measure].denominator
    return measure, None


def totals(scope: Scope) -> dict[str, int]:
    """Every condition's count over the scope: one query."""
    return scope_problems(scope).aggregate(**aggregates(scope.as_of))


def by_unit(scope: Scope) -> dict[int, dict[str, int]]:
    """Every condition's count by lead unit (problems without one are left out): one query."""
    rows = (scope_problems(scope).filter(lead_unit_id__isnull=False).values("lead_unit_id")
            .annotate(**aggregates(scope.as_of)))
    return {row.pop("lead_unit_id"): row for row in rows}


def by_district(scope: Scope) -> dict[str, dict[str, int]]:
    """Every condition's count by district path: one query."""
    return district_counts(scope, aggregates(scope.as_of))


def unit_names(ids) -> dict[int, Organisation]:
    return Organisation.objects.in_bulk(list(ids))


def list_url(scope: Scope, condition: str, *, region_id: int | None = None, unit_id: int | None = None) -> str:
    """The problem list of one condition in the scope, optionally for one district or one lead unit."""
    params = {"kpi": condition}
    if unit_id is not None:
        params["lead_unit"] = str(unit_id)
    return problem_list_url(scope, region_id, params)
