"""The contract of 一图总览's measures: each app may declare `MEASURES` in `<app>/overview.py`.

A measure is one figure of the overview (a count or a rate) that can be split by district, so it can shade the map,
and that names the list behind each of its numbers. The overview asks `declared("overview", "MEASURES")` and shows
whatever the installed apps declare, so a capability built later adds its figures without changing the overview.
"""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

TOTAL = ""  # the key of the whole scope in a measure's `by_district` answer


@dataclass
class Scope:
    """What the overview is asked for: whose view, which period of receipt, as of which day, which district.

    `memo` lets measures of one app share a query within one page (e.g. one grouped aggregate for all of them).
    """

    user: Any
    received_from: dt.date | None
    received_to: dt.date | None
    as_of: dt.date
    region_id: int | None = None  # one district (or any region) chosen; None: everything the user may see
    memo: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Value:
    """A count (`denominator` None), or a rate as numerator over denominator."""

    numerator: int
    denominator: int | None = None

    @property
    def ratio(self) -> float | None:
        if self.denominator is None:
            return float(self.numerator)
        return self.numerator / self.denominator if self.denominator else None


class Measure(Protocol):
    key: str  # unique across apps
    label: str  # Chinese, as the page shows it
    kind: str  # "count" or "rate"
    order: int  # position on the page (smaller first)
    higher_is_better: bool  # the map's colour scale runs from bad to good

    def by_district(self, scope: Scope) -> dict[str, Value]:
        """Values keyed by district region path ("/339900/339902/"), plus TOTAL for the whole scope.

        Districts with nothing to count may be left out; city-level items count in TOTAL only.
        """
        ...

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        """The list behind the value of one district (`region_id`) or of the whole scope (None).

        For a rate, `part` chooses the numerator's or the denominator's list.
        """
        ...


def district_path(field: str = "region_path"):
    """An expression cutting a region path `field` after its second segment: the district's path, or the city's own
    for city-level rows ("/3399/339901/33990101/" → "/3399/339901/", "/3399/" → "/3399/"), for grouping a measure
    by district in one query."""
    from django.db.models import Value as V
    from django.db.models.functions import StrIndex, Substr

    end_city = StrIndex(Substr(field, 2), V("/"))
    end_district = StrIndex(Substr(field, end_city + 2), V("/"))
    return Substr(field, 1, end_city + 1 + end_district)


def counts_by_district(queryset, aggregates: dict, path_field: str = "region_path") -> dict[str, dict[str, int]]:
    """Each aggregate (name → Count/Sum) of `queryset` by district path, plus TOTAL, in one grouped query. Rows without
    a region (a path of NULL) count in TOTAL only."""
    rows = list(queryset.order_by().values(kpi_district=district_path(path_field)).annotate(**aggregates))
    by_path = {row["kpi_district"]: {name: row[name] or 0 for name in aggregates} for row in rows
               if row["kpi_district"]}
    return by_path | {TOTAL: {name: sum(row[name] or 0 for row in rows) for name in aggregates}}


# An app's grouped counts for one page (district path → condition → n, see counts_by_district, memoised on the
# scope), and the list behind one condition: (scope, region_id, condition) → URL.
GroupedCounts = Callable[[Scope], dict[str, dict[str, int]]]
ConditionList = Callable[[Scope, "int | None", str], "str | None"]


@dataclass(frozen=True)
class ConditionCount:
    """A count: one named condition of the app's grouped counts, linking to the list filtered by that condition.
    Apps bind `counts` and `list_of` once (functools.partial) and declare their figures with it."""

    key: str
    label: str
    condition: str
    counts: GroupedCounts
    list_of: ConditionList
    order: int
    higher_is_better: bool = False
    kind: str = "count"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.condition]) for path, row in self.counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return self.list_of(scope, region_id, self.condition)


@dataclass(frozen=True)
class ConditionRate:
    """A rate: two named conditions of the app's grouped counts; each part links to its own list."""

    key: str
    label: str
    numerator: str
    denominator: str
    counts: GroupedCounts
    list_of: ConditionList
    order: int
    higher_is_better: bool = True
    kind: str = "rate"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.numerator], row[self.denominator]) for path, row in self.counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return self.list_of(scope, region_id, self.numerator if part == "numerator" else self.denominator)
