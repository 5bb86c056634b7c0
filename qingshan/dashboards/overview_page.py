"""一图总览 as the page shows it: every declared measure's figure, the map's districts, trends and splits, each number
with the URL of the list behind it. Plain data, so the page, its chart script and its Excel export show the same."""
import calendar
import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from qingshan.core.overview import TOTAL, Measure, Scope, Value
from qingshan.core.registry import declared

from .overview import problem_list_url
from .selectors import POINT_LIMIT, monthly_counts, problem_points, received_split


def measures() -> list[Measure]:
    """Every installed app's overview measures, in page order."""
    return sorted(declared("overview", "MEASURES"), key=lambda m: (m.order, m.key))


def value_text(measure: Measure, value: Value | None) -> str:
    if value is None:
        return "0" if measure.kind == "count" else "—"
    if measure.kind == "count":
        return f"{value.numerator:,}"
    ratio = value.ratio
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None
    label: str = ""

    @property
    def html(self) -> SafeString:
        """The number, a link to its list when it has one (rendered here, as tables.Figure: an {% include %} per
        figure cost more than the rest of the cards)."""
        if self.url:
            return format_html('<a href="{}" title="{}">{}</a>', self.url, self.label, self.text)
        return escape(self.text)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    kind: str
    figure: Link
    numerator: Link | None = None  # rates: the two counts behind the figure
    denominator: Link | None = None


@dataclass(frozen=True)
class DistrictFigure:
    region_id: int
    name: str
    code: str
    value: float | None  # shading (a rate as a percentage)
    text: str
    url: str | None
    detail: str = ""  # a rate's "numerator/denominator"


@dataclass
class Overview:
    scope: Scope
    cards: list[Card]
    measure: Measure
    districts: list[DistrictFigure]
    months: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    point_limit: int = POINT_LIMIT
    measures: list[Measure] = field(default_factory=list)
    values: dict[str, dict[str, Value]] = field(default_factory=dict)  # measure key -> district path (TOTAL) -> value
    all_districts: list = field(default_factory=list)  # the regions shown (for the export's table of every measure)


def _card(measure: Measure, scope: Scope, values: dict[str, Value]) -> Card:
    total = values.get(TOTAL)
    figure = Link(value_text(measure, total), measure.list_url(scope, None), measure.label)
    if measure.kind != "rate":
        return Card(measure.key, measure.label, measure.kind, figure)
    numerator = total.numerator if total else 0
    denominator = (total.denominator or 0) if total else 0
    return Card(measure.key, measure.label, measure.kind, figure,
                numerator=Link(f"{numerator:,}", measure.list_url(scope, None, "numerator"), f"{measure.label}分子"),
                denominator=Link(f"{denominator:,}", measure.list_url(scope, None, "denominator"),
                                 f"{measure.label}分母"))


def _district(measure: Measure, scope: Scope, values: dict[str, Value], region) -> DistrictFigure:
    value = values.get(region.path)
    if measure.kind == "rate":
        ratio = value.ratio if value else None
        shade = None if ratio is None else round(ratio * 100, 1)
        detail = f"{value.numerator}/{value.denominator}" if value else "0/0"
        url = measure.list_url(scope, region.pk, "denominator")
    else:
        shade, detail, url = float(value.numerator if value else 0), "", measure.list_url(scope, region.pk)
    return DistrictFigure(region.pk, region.name, region.code, shade, value_text(measure, value), url, detail)


def _month_range(month: dt.date, scope: Scope) -> dict[str, str]:
    start = max(month, scope.received_from) if scope.received_from else month
    end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    end = min(end, scope.received_to) if scope.received_to else end
    return {"received_from": start.isoformat(), "received_to": end.isoformat()}


def _month_url(scope: Scope, month: dt.date, kpi: str) -> str:
    query = {**_month_range(month, scope), "kpi": kpi, "as_of": scope.as_of.isoformat()}
    if scope.region_id is not None:
        query["region"] = str(scope.region_id)
    return f"{reverse('problems:list')}?{urlencode(query)}"


def build_overview(scope: Scope, districts: list, measure_key: str) -> Overview:
    """The whole picture for `scope`; `districts` are the regions the map may show (already narrowed to the user)."""
    all_measures = measures()
    values = {m.key: m.by_district(scope) for m in all_measures}
    chosen = next(m for m in all_measures if m.key == measure_key)
    shown = [d for d in districts if scope.region_id is None or d.pk == scope.region_id]
    overview = Overview(scope=scope, cards=[_card(m, scope, values[m.key]) for m in all_measures], measure=chosen,
                        districts=[_district(chosen, scope, values[chosen.key], d) for d in shown],
                        measures=all_measures, values=values, all_districts=shown)
    for row in monthly_counts(scope):
        overview.months.append({
            "label": f"{row.month.year}年{row.month.month}月",
            "received": row.received, "received_url": _month_url(scope, row.month, "received"),
            "overdue": row.overdue, "overdue_url": _month_url(scope, row.month, "overdue"),
            "closed": row.closed, "closed_url": _month_url(scope, row.month, "closed"),
        })
    for field_name, target in (("source", overview.sources), ("category", overview.categories)):
        for piece in received_split(scope, field_name):
            target.append({"name": piece.name, "count": piece.count,
                           "url": problem_list_url(scope, None, {"kpi": "received", field_name: str(piece.pk)})})
    # One reverse() for up to POINT_LIMIT links: the detail path with a marker id, each point's id put in its place.
    marker = 987654321
    detail = reverse("problems:detail", args=[marker]).split(str(marker))
    overview.points = [{"lng": float(p["lng"]), "lat": float(p["lat"]), "name": f"{p['number']} {p['title']}",
                        "url": f"{detail[0]}{p['pk']}{detail[1]}"} for p in problem_points(scope)]
    return overview


def chart_data(overview: Overview, boundaries_url: str) -> dict:
    """What the page's chart script draws (through json_script): plain numbers, names and URLs."""
    measure = overview.measure
    return {
        "boundariesUrl": boundaries_url,
        "measure": {"label": measure.label, "kind": measure.kind, "higherIsBetter": measure.higher_is_better},
        "districts": [{"name": d.name, "value": d.value, "text": d.text, "detail": d.detail, "url": d.url}
                      for d in overview.districts],
        "points": overview.points,
        "months": overview.months,
        "sources": overview.sources,
        "categories": overview.categories,
    }


def chart_script(data: dict, element_id: str) -> SafeString:
    """`data` in a <script type="application/json">: the output of Django's json_script, with its three escapes
    made by str.replace (json_script's str.translate took 8 ms on the overview's ~100 KB of 500 points)."""
    text = (json.dumps(data, cls=DjangoJSONEncoder)
            .replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))
