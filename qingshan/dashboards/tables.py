"""One column spec for the KPI table, shared by the page and the Excel export, and the drill-down links."""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import reverse

from qingshan.problems import kpis

from .definitions import condition_label
from .selectors import KpiRow

RATES = {rate.key: rate for rate in kpis.RATES}


@dataclass(frozen=True)
class Column:
    """A count column (key: a condition of kpis.CONDITIONS) or a rate column (key: a kpis.RATES key)."""

    kind: str  # "count" or "rate"
    key: str

    @property
    def label(self) -> str:
        return condition_label(self.key) if self.kind == "count" else RATES[self.key].label


COLUMNS = [
    Column("count", "received"),
    Column("count", "closed"),
    Column("rate", "closure_rate"),
    Column("rate", "on_time_closure_rate"),
    Column("count", "overdue"),
    Column("rate", "on_time_sign_rate"),
    Column("rate", "rejection_rate"),
    Column("rate", "urge_rate"),
    Column("count", "duplicates"),
]


@dataclass(frozen=True)
class Filters:
    """The page's filters, as the problem list understands them."""

    group_by: str
    received_from: dt.date | None
    received_to: dt.date | None
    as_of: dt.date

    def query(self, **extra) -> dict[str, str]:
        params = {"group_by": self.group_by, "as_of": self.as_of.isoformat()}
        if self.received_from:
            params["received_from"] = self.received_from.isoformat()
        if self.received_to:
            params["received_to"] = self.received_to.isoformat()
        return params | extra


def list_url(*, condition: str, filters: Filters, row: KpiRow) -> str | None:
    """The problem list showing exactly the problems counted for `condition` in `row`; None if it has none."""
    if row.params is None:
        return None
    params = {"kpi": condition, "as_of": filters.as_of.isoformat()}
    if filters.received_from:
        params["received_from"] = filters.received_from.isoformat()
    if filters.received_to:
        params["received_to"] = filters.received_to.isoformat()
    return f"{reverse('problems:list')}?{urlencode(params | row.params)}"


def format_count(value: int) -> str:
    """1203 → "1,203"."""
    return f"{value:,}"


def format_rate(rate: Decimal | None) -> str:
    """A rate as a percentage with one decimal, rounded half up (as Excel does); "—" for no denominator."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Figure:
    """A number on the page and the list behind it."""

    text: str
    url: str | None
    label: str  # what it counts, for the link's title


@dataclass(frozen=True)
class Cell:
    """A count (`figure`) or a rate (`text` plus its numerator and denominator figures)."""

    kind: str
    figure: Figure | None = None
    text: str = ""
    numerator: Figure | None = None
    denominator: Figure | None = None


@dataclass(frozen=True)
class DisplayRow:
    label: str
    is_total: bool
    cells: list[Cell]


def _figure(row: KpiRow, condition: str, filters: Filters) -> Figure:
    return Figure(format_count(row.counts[condition]), list_url(condition=condition, filters=filters, row=row),
                  f"{row.label} · {condition_label(condition)}")


def display_rows(rows: list[KpiRow], filters: Filters) -> list[DisplayRow]:
    """The KPI rows as the page shows them: formatted numbers, each with its drill-down link."""
    result = []
    for row in rows:
        cells = []
        for column in COLUMNS:
            if column.kind == "count":
                cells.append(Cell("count", figure=_figure(row, column.key, filters)))
            else:
                rate = RATES[column.key]
                cells.append(Cell("rate", text=format_rate(row.rates[rate.key]),
                                  numerator=_figure(row, rate.numerator, filters),
                                  denominator=_figure(row, rate.denominator, filters)))
        result.append(DisplayRow(row.label, row.is_total, cells))
    return result
