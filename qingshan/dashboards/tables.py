"""The KPI table's columns (core's one column spec), shared by the page and the Excel export, and the drill-down
links."""
import datetime as dt
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe

from qingshan.core.tables import Column, format_count
from qingshan.problems import kpis

from .definitions import condition_label
from .selectors import KpiRow

RATES = {rate.key: rate for rate in kpis.RATES}


def count_column(condition: str) -> Column:
    """A count of the problems meeting a condition of kpis.CONDITIONS."""
    return Column(condition, condition_label(condition), "count", width=12)


def rate_column(key: str) -> Column:
    """A rate of kpis.RATES (its numerator and denominator are count columns)."""
    return Column(key, RATES[key].label, "rate", width=12)


COLUMNS = [
    count_column("received"),
    count_column("closed"),
    rate_column("closure_rate"),
    rate_column("on_time_closure_rate"),
    count_column("overdue"),
    rate_column("on_time_sign_rate"),
    rate_column("rejection_rate"),
    rate_column("urge_rate"),
    count_column("duplicates"),
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


@dataclass(frozen=True)
class Figure:
    """A number on the page and the list behind it."""

    text: str
    url: str | None
    label: str  # what it counts, for the link's title

    def __html__(self) -> str:
        """The number, a link to its list when it has one (rendered here: an {% include %} per figure made the
        template the larger part of the page's time, 14 figures on each of up to 80 rows)."""
        if self.url:
            return f'<a href="{escape(self.url)}" title="{escape(self.label)}">{escape(self.text)}</a>'
        return escape(self.text)


def _html(figure: Figure | None) -> str:
    return figure.__html__() if figure is not None else ""


@dataclass(frozen=True)
class Cell:
    """A count (`figure`) or a rate (`text` plus its numerator and denominator figures)."""

    kind: str
    figure: Figure | None = None
    text: str = ""
    numerator: Figure | None = None
    denominator: Figure | None = None

    def __html__(self) -> str:
        """The table cell (<td>)."""
        if self.kind == "count":
            return f"<td>{_html(self.figure)}</td>"
        return (f'<td class="text-nowrap">{escape(self.text)}<span class="text-muted">'
                f"（{_html(self.numerator)}/{_html(self.denominator)}）</span></td>")


@dataclass(frozen=True)
class DisplayRow:
    label: str
    is_total: bool
    cells: list[Cell]

    @property
    def cells_html(self) -> str:
        return mark_safe("".join(cell.__html__() for cell in self.cells))  # noqa: S308 -- each cell escapes its own


class _Links:
    """list_url for every figure of one row, with what all of them share (the list's path, the period and the row's
    own parameters) built once: a page of 80 rows has 1,120 links, and reverse() and urlencode() per link were a
    third of the KPI page's time at 20,000 problems."""

    def __init__(self, row: KpiRow, filters: Filters, base: str):
        self.row, self.filters = row, filters
        shared = {"as_of": filters.as_of.isoformat()}
        if filters.received_from:
            shared["received_from"] = filters.received_from.isoformat()
        if filters.received_to:
            shared["received_to"] = filters.received_to.isoformat()
        params = row.params or {}
        # The same string as list_url gives, as long as the row's parameters do not repeat the shared ones.
        self.tail = None if set(params) & {"kpi", *shared} else urlencode(shared | params)
        self.base = base

    def url(self, condition: str) -> str | None:
        if self.row.params is None:
            return None
        if self.tail is None:
            return list_url(condition=condition, filters=self.filters, row=self.row)
        return f"{self.base}?{urlencode({'kpi': condition})}&{self.tail}"


def _figure(row: KpiRow, condition: str, links: _Links) -> Figure:
    return Figure(format_count(row.counts[condition]), links.url(condition),
                  f"{row.label} · {condition_label(condition)}")


def display_rows(rows: list[KpiRow], filters: Filters) -> list[DisplayRow]:
    """The KPI rows as the page shows them: formatted numbers, each with its drill-down link."""
    result = []
    base = reverse("problems:list")
    for row in rows:
        links = _Links(row, filters, base)
        cells = []
        for column in COLUMNS:
            if column.kind == "count":
                cells.append(Cell("count", figure=_figure(row, column.key, links)))
            else:
                rate = RATES[column.key]
                cells.append(Cell("rate", text=column.text(row.rates[rate.key]),
                                  numerator=_figure(row, rate.numerator, links),
                                  denominator=_figure(row, rate.denominator, links)))
        result.append(DisplayRow(row.label, row.is_total, cells))
    return result
