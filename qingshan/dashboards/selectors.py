"""KPI reads (domain §10): every figure is a count of a named condition of problems.kpis over visible problems.

Each grouping is ONE aggregate query (a conditional Count per condition), started from the access-scoped
queryset and narrowed by the same ProblemFilter the problem list uses, so a figure and its drill-down list can
only disagree if the list's parameters disagree with the group's (see `KpiRow.params`).
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from qingshan.access.actors import profile_of
from qingshan.access.problems import visible_problems
from qingshan.core.overview import Scope
from qingshan.orgs.models import Organisation, Region, User
from qingshan.problems import kpis
from qingshan.problems.filters import ProblemFilter
from qingshan.problems.models import Category, Problem, Source

from .counting import Ask, grouped_counts, grouped_counts_many
from .models import RegionBoundary

GROUP_BY_CHOICES = [
    ("region", "区划"),
    ("unit", "主办单位"),
    ("source", "来源"),
    ("category", "类别"),
]
GROUP_BY_LABELS = dict(GROUP_BY_CHOICES)

# Problem-list query parameters that select one group. The two marked below need ProblemFilter support that it
# does not have yet (see the dashboards report): exact region, and "no lead unit" via django-filter's null value.
PARAM_REGION = "region"
PARAM_REGION_EXACT = "region_exact"
PARAM_UNIT = "lead_unit"
PARAM_SOURCE = "source"
PARAM_CATEGORY = "category"
NULL_VALUE = "null"

CITY_LEVEL_LABEL = "市本级"
NO_LEAD_UNIT_LABEL = "无主办单位"
TOTAL_LABEL = "合计"


@dataclass
class KpiRow:
    """One line of the KPI table: a group (or the total), its count per condition and its rate per KPI rate."""

    label: str
    params: dict[str, str] | None  # problem-list query parameters selecting exactly this group; None: no list
    counts: dict[str, int] = field(default_factory=dict)
    rates: dict[str, Decimal | None] = field(default_factory=dict)
    is_total: bool = False


def _rates(counts: dict[str, int]) -> dict[str, Decimal | None]:
    result = {}
    for rate in kpis.RATES:
        denominator = counts[rate.denominator]
        result[rate.key] = Decimal(counts[rate.numerator]) / Decimal(denominator) if denominator else None
    return result


def _counts(values: dict) -> dict[str, int]:
    return {name: values[name] for name in kpis.CONDITIONS}


def _period_problems(*, user: User, received_from: dt.date | None, received_to: dt.date | None) -> QuerySet[Problem]:
    """Visible problems received in the period, narrowed by the list's own filter so both agree by construction."""
    params = {}
    if received_from:
        params["received_from"] = received_from.isoformat()
    if received_to:
        params["received_to"] = received_to.isoformat()
    filterset = ProblemFilter(params, queryset=visible_problems(user))
    if not filterset.is_valid():  # only ISO dates are passed in, so this means a programming error
        raise ValueError(filterset.errors)
    return filterset.qs.order_by()


def _region_rows(grouped: list[dict]) -> list[KpiRow]:
    paths = [g["kpi_group"] for g in grouped]
    regions = {r.path: r for r in Region.objects.filter(path__in=paths)}
    top_level = [r for r in regions.values() if r.parent_id is None]
    rows = []
    for values in sorted(grouped, key=lambda g: g["kpi_group"]):
        region = regions.get(values["kpi_group"])
        if region is None:  # a problem whose region path no longer exists: keep it countable in the total
            rows.append(KpiRow(label="未知区划", params=None, counts=_counts(values)))
            continue
        if region.parent_id is None:
            label = CITY_LEVEL_LABEL if len(top_level) == 1 else f"{region.name}（{CITY_LEVEL_LABEL}）"
            params = {PARAM_REGION_EXACT: str(region.pk)}
        else:
            label, params = region.name, {PARAM_REGION: str(region.pk)}
        rows.append(KpiRow(label=label, params=params, counts=_counts(values)))
    return rows


def _unit_rows(grouped: list[dict]) -> list[KpiRow]:
    for g in grouped:  # the counts name "no lead unit" 0
        g["kpi_group"] = g["kpi_group"] or None
    units = Organisation.objects.in_bulk([g["kpi_group"] for g in grouped if g["kpi_group"] is not None])
    known = sorted((g for g in grouped if g["kpi_group"] in units),
                   key=lambda g: (units[g["kpi_group"]].sort_order, units[g["kpi_group"]].pk))
    rows = [KpiRow(label=str(units[g["kpi_group"]]), params={PARAM_UNIT: str(g["kpi_group"])},
                   counts=_counts(g)) for g in known]
    rows += [KpiRow(label=NO_LEAD_UNIT_LABEL, params={PARAM_UNIT: NULL_VALUE}, counts=_counts(g))
             for g in grouped if g["kpi_group"] is None]
    return rows


def _reference_rows(grouped: list[dict], model: type[Source | Category], param: str) -> list[KpiRow]:
    objects = model.objects.in_bulk([g["kpi_group"] for g in grouped])
    ordered = sorted(grouped, key=lambda g: (objects[g["kpi_group"]].sort_order, g["kpi_group"]))
    return [KpiRow(label=str(objects[g["kpi_group"]]), params={param: str(g["kpi_group"])}, counts=_counts(g))
            for g in ordered]


def kpi_table(*, user: User, group_by: str, received_from: dt.date | None, received_to: dt.date | None,
              as_of: dt.date) -> list[KpiRow]:
    """The KPI rows of problems `user` may see, received in the period, as of `as_of`: one per group, total last.

    Groups: "region" (district; city-level problems as 市本级), "unit" (lead unit), "source", "category".
    Groups with nothing to count are left out. Two queries: the aggregate, and the groups' names.
    """
    if group_by not in GROUP_BY_LABELS:
        raise ValueError(f"unknown grouping {group_by!r}")
    problems = _period_problems(user=user, received_from=received_from, received_to=received_to)
    ask = Ask(user, received_from, received_to, as_of)
    counts = grouped_counts(problems, ask, group_by, tuple(kpis.CONDITIONS))
    grouped = [{"kpi_group": key, **values} for key, values in counts.items()]
    # Every condition implies received or duplicate as of `as_of`; a group of only later problems has nothing.
    grouped = [g for g in grouped if any(g[name] for name in kpis.CONDITIONS)]
    if group_by == "region":
        rows = _region_rows(grouped)
    elif group_by == "unit":
        rows = _unit_rows(grouped)
    elif group_by == "source":
        rows = _reference_rows(grouped, Source, PARAM_SOURCE)
    else:
        rows = _reference_rows(grouped, Category, PARAM_CATEGORY)
    # The groups partition the problems (each has exactly one group key), so the total is their sum.
    total = KpiRow(label=TOTAL_LABEL, params={}, is_total=True,
                   counts={name: sum(g[name] for g in grouped) for name in kpis.CONDITIONS})
    for row in [*rows, total]:
        row.rates = _rates(row.counts)
    return [*rows, total]


# ---- 一图总览 (the overview): the problems' share of it; the measures themselves are in overview.py ----

POINT_LIMIT = 500  # problem points drawn on the map at most (the most recently received ones)


def period_params(scope: Scope) -> dict[str, str]:
    """The problem-list parameters of the scope's period of receipt."""
    params = {}
    if scope.received_from:
        params["received_from"] = scope.received_from.isoformat()
    if scope.received_to:
        params["received_to"] = scope.received_to.isoformat()
    return params


def scope_problems(scope: Scope) -> QuerySet[Problem]:
    """Visible problems of the scope (period and region), narrowed by the problem list's own filter (built once per
    page: the filter and the visibility rules cost more than the queries that use them)."""
    if "problems.queryset" not in scope.memo:
        scope.memo["problems.queryset"] = _scope_problems(scope)
    return scope.memo["problems.queryset"].all()


def _scope_problems(scope: Scope) -> QuerySet[Problem]:
    params = period_params(scope)
    if scope.region_id is not None:
        params["region"] = str(scope.region_id)
    filterset = ProblemFilter(params, queryset=visible_problems(scope.user))
    if not filterset.is_valid():  # the form passes only ISO dates and a known region
        raise ValueError(filterset.errors)
    return filterset.qs.order_by()


def _ask(scope: Scope) -> Ask:
    return Ask(scope.user, scope.received_from, scope.received_to, scope.as_of, scope.region_id)


# The overview's other groupings of the problems, counted with its districts' figures (grouped_counts_many).
OVERVIEW_GROUPINGS = {"month": ("received", "overdue", "closed"), "source": ("received",), "category": ("received",)}
_MEMO = "problems.grouped"


def overview_problem_counts(scope: Scope, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """district_counts for the overview, which also counts the months, sources and categories of
    OVERVIEW_GROUPINGS in the same reads (kept for the page: monthly_counts and received_split use them)."""
    wanted = {"region": tuple(names)} | OVERVIEW_GROUPINGS
    scope.memo[_MEMO] = grouped_counts_many(scope_problems(scope), _ask(scope), wanted)
    return _by_district(scope.memo[_MEMO]["region"], names)


def _grouped(scope: Scope, grouping: str) -> dict:
    """One of OVERVIEW_GROUPINGS, from overview_problem_counts when the page counted it, otherwise on its own."""
    if _MEMO in scope.memo:
        return scope.memo[_MEMO][grouping]
    return grouped_counts(scope_problems(scope), _ask(scope), grouping, OVERVIEW_GROUPINGS[grouping])


def _by_district(counts: dict, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    return {path: {name: row[name] for name in names} for path, row in counts.items()}


def district_counts(scope: Scope, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Counts of the named conditions (kpis.counted) of the scope's problems by district path (city-level problems
    under the city's path)."""
    return grouped_counts(scope_problems(scope), _ask(scope), "region", tuple(names))


def overview_districts(user: User) -> list[Region]:
    """The districts whose part of the picture `user` may see: those of the user's commissions' jurisdictions, or,
    for a stationed group or leader without one, every district (only visible problems are ever counted)."""
    districts = Region.objects.filter(parent__isnull=False, parent__parent__isnull=True).order_by("code")
    paths = profile_of(user).jurisdiction_paths
    if not paths:
        return list(districts)
    # A city commission's path is a prefix of its districts'; a district commission's path is its district's own.
    return [d for d in districts if any(d.path.startswith(path) for path in paths)]


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    received: int
    overdue: int
    closed: int


def monthly_counts(scope: Scope) -> list[MonthRow]:
    """Received, overdue and closed problems by month of receipt: one query."""
    counts = _grouped(scope, "month")
    return [MonthRow(month, c["received"], c["overdue"], c["closed"])
            for month, c in sorted(counts.items()) if c["received"]]


@dataclass(frozen=True)
class Slice:
    pk: int
    name: str
    count: int


def received_split(scope: Scope, field_name: str) -> list[Slice]:
    """Problems received in the scope by source or category (`field_name`), in the reference order."""
    if field_name not in ("source", "category"):
        raise ValueError(f"unknown split {field_name!r}")
    counts = _grouped(scope, field_name)
    wanted = [pk for pk, c in counts.items() if c["received"]]
    objects: list[Source | Category] = list(
        Source.objects.filter(pk__in=wanted) if field_name == "source" else Category.objects.filter(pk__in=wanted))
    ordered = sorted(objects, key=lambda o: (o.sort_order, o.pk))
    return [Slice(o.pk, o.name, counts[o.pk]["received"]) for o in ordered]


def problem_points(scope: Scope) -> list[dict]:
    """Up to POINT_LIMIT received problems of the scope that have coordinates, newest first."""
    rows = (scope_problems(scope).filter(kpis.received(scope.as_of), lng__isnull=False, lat__isnull=False)
            .order_by("-received_at", "-pk").values("pk", "number", "title", "lng", "lat")[:POINT_LIMIT])
    return [dict(row) for row in rows]


def district_boundaries(districts: list[Region]) -> list[RegionBoundary]:
    """The stored outlines of these districts (with their regions), in the districts' order: one query."""
    order = {d.pk: i for i, d in enumerate(districts)}
    found = RegionBoundary.objects.filter(region_id__in=order).select_related("region")
    return sorted(found, key=lambda b: order[b.region_id])
