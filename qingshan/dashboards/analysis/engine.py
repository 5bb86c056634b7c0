"""一键分析: apply the enabled rules to the chosen period and region and write one Chinese sentence per finding.

Deterministic: the same data and rules give the same sentences in the same order. Every sentence is made of parts,
each number a link to the problem list it counts, and keeps its query (the KPI and the list's parameters), so a
reader can check every figure.
"""
import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse

from qingshan.core.overview import Scope

from ..selectors import overview_districts
from . import figures
from .figures import Amount, amount, label_of
from .models import AnalysisRule, RuleKind
from .stats import deviations, is_outlier

SECTIONS = ["总体变化", "异常单位", "异常区县", "超期与发回重办"]
SECTION_OF = {RuleKind.CHANGE_PREVIOUS: SECTIONS[0], RuleKind.CHANGE_YEAR: SECTIONS[0],
              RuleKind.UNIT_OUTLIER: SECTIONS[1], RuleKind.DISTRICT_OUTLIER: SECTIONS[2],
              RuleKind.OVERDUE: SECTIONS[3], RuleKind.REJECTED: SECTIONS[3]}
MAX_NAMED = 5  # units named at most by a concentration rule (the largest first)


class PeriodRequired(ValueError):
    """一键分析 compares periods, so it needs both ends of the period of receipt."""


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: text, or a figure with the list behind it."""

    text: str
    url: str | None = None
    title: str = ""


@dataclass
class Finding:
    rule: str  # the rule's code
    section: str
    subject: str  # who or what it names: 全部, a unit's name, a district's name
    parts: list[Part]
    queries: list[dict] = field(default_factory=list)  # {"label": …, "params": {…}} of each linked figure
    unit_id: int | None = None  # for a unit: its 体检报告

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)


@dataclass
class Analysis:
    scope: Scope
    previous: Scope
    last_year: Scope
    findings: list[Finding]
    rules: list[AnalysisRule]
    unit_chart: list[dict] = field(default_factory=list)  # 按期办结率 by unit, for the page's chart

    def sections(self) -> list[tuple[str, list[Finding]]]:
        return [(name, [f for f in self.findings if f.section == name]) for name in SECTIONS]


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def comparison_scopes(scope: Scope) -> tuple[Scope, Scope]:
    """The previous period of the same length (as of the same distance after its end) and the same period a year
    earlier."""
    if scope.received_from is None or scope.received_to is None:
        raise PeriodRequired("一键分析需要填写受理日期起和受理日期止，以便与上一期和去年同期比较。")
    length = (scope.received_to - scope.received_from).days + 1
    lag = scope.as_of - scope.received_to
    previous_to = scope.received_from - dt.timedelta(days=1)
    previous = replace(scope, received_from=previous_to - dt.timedelta(days=length - 1), received_to=previous_to,
                       as_of=previous_to + lag, memo={})
    last_year = replace(scope, received_from=_year_earlier(scope.received_from),
                        received_to=_year_earlier(scope.received_to), as_of=_year_earlier(scope.as_of), memo={})
    return previous, last_year


def period_text(scope: Scope) -> str:
    return f"{scope.received_from:%Y年%-m月%-d日}至{scope.received_to:%Y年%-m月%-d日}"


def _query(url: str, label: str) -> dict:
    return {"label": label, "params": dict(parse_qsl(urlsplit(url).query))}


class _Writer:
    """Builds one finding's parts and queries together, so every linked figure keeps its query."""

    def __init__(self):
        self.parts: list[Part] = []
        self.queries: list[dict] = []

    def text(self, text: str) -> "_Writer":
        self.parts.append(Part(text))
        return self

    def figure(self, text: str, url: str, label: str) -> "_Writer":
        self.parts.append(Part(text, url, label))
        self.queries.append(_query(url, label))
        return self

    def amount(self, value: Amount, scope: Scope, *, region_id=None, unit_id=None, what: str = "") -> "_Writer":
        """A count as a link; a rate as its percentage followed by (numerator/denominator), both links."""
        numerator, denominator = figures.parts_of(value.measure)
        label = f"{what}{label_of(value.measure)}"
        numerator_url = figures.list_url(scope, numerator, region_id=region_id, unit_id=unit_id)
        if denominator is None:
            return self.figure(value.text, numerator_url, label)
        denominator_url = figures.list_url(scope, denominator, region_id=region_id, unit_id=unit_id)
        self.text(f"{value.text}（")
        self.figure(f"{value.numerator:,}", numerator_url, f"{label}分子：{label_of(numerator)}")
        self.text("/")
        self.figure(f"{value.denominator:,}", denominator_url, f"{label}分母：{label_of(denominator)}")
        return self.text("）")

    def finding(self, rule: AnalysisRule, subject: str, unit_id: int | None = None) -> Finding:
        return Finding(rule.code, SECTION_OF[rule.kind], subject, self.parts, self.queries, unit_id)


def _change(rule: AnalysisRule, scope: Scope, base_scope: Scope, now: dict, base: dict) -> Finding | None:
    current, before = amount(now, rule.measure), amount(base, rule.measure)
    if before.base < rule.min_base or current.percent is None or before.percent is None:
        return None
    if figures.is_rate(rule.measure):
        delta = current.percent - before.percent
        size, unit = abs(delta), "个百分点"
    else:
        delta = current.numerator - before.numerator
        size, unit = abs(100.0 * delta / before.numerator), "%"
    if size < float(rule.threshold) or delta == 0:
        return None
    against = "上一期" if rule.kind == RuleKind.CHANGE_PREVIOUS else "去年同期"
    writer = _Writer().text(f"{label_of(rule.measure)}为").amount(current, scope)
    writer.text(f"，较{against}（{period_text(base_scope)}）的").amount(before, base_scope)
    writer.text(f"{'上升' if delta > 0 else '下降'}{size:.1f}{unit}。")
    return writer.finding(rule, "全部")


def _outliers(rule: AnalysisRule, scope: Scope, groups: dict, names: dict, *, units: bool) -> list[Finding]:
    values = {}
    for key, counts in groups.items():
        value = amount(counts, rule.measure)
        if key in names and value.base >= rule.min_base and value.percent is not None:
            values[key] = value
    found = []
    spread = deviations({key: value.percent for key, value in values.items()}, min_peers=rule.min_peers)
    worse_is_lower = rule.measure in figures.LOWER_IS_WORSE
    for key in sorted(spread, key=lambda k: (spread[k].gap if worse_is_lower else -spread[k].gap, str(k))):
        deviation = spread[key]
        if not is_outlier(deviation, threshold=float(rule.threshold), min_gap=float(rule.min_gap),
                          worse_is_lower=worse_is_lower):
            continue
        name = names[key].name
        place = {"unit_id": key} if units else {"region_id": names[key].pk}
        peers = f"{deviation.peer_count}个{'单位' if units else '区县'}"
        writer = _Writer().text(f"{name}{label_of(rule.measure)}为").amount(values[key], scope, what=name, **place)
        writer.text(f"，{'低' if worse_is_lower else '高'}于其他{peers}的中位数{deviation.peer_median:.1f}%，"
                    f"相差{abs(deviation.gap):.1f}个百分点")
        writer.text("。" if deviation.z is None else f"（{abs(deviation.z):.1f}倍稳健标准差）。")
        found.append(writer.finding(rule, name, key if units else None))
    return found


def _concentration(rule: AnalysisRule, scope: Scope, total: dict, groups: dict, names: dict,
                   as_of: dt.date) -> Finding | None:
    condition = rule.measure
    if not total.get(condition):
        return None
    writer = _Writer()
    if condition == "overdue":
        writer.text(f"截至{as_of:%Y年%-m月%-d日}，超期未办结的问题").amount(amount(total, "overdue"), scope)
    else:
        writer.text("审核时被发回重办的问题").amount(amount(total, "rejected"), scope)
        writer.text("，发回重办率").amount(amount(total, "rejection_rate"), scope)
    many = sorted(((counts[condition], key) for key, counts in groups.items()
                   if key in names and counts[condition] >= rule.threshold), key=lambda p: (-p[0], names[p[1]].name))
    named = many[:MAX_NAMED]
    if named:
        writer.text(f"；达到{int(rule.threshold)}件及以上的单位：")
        for index, (_count, key) in enumerate(named):
            if index:
                writer.text("、")
            name = names[key].name
            writer.text(name).amount(amount(groups[key], condition), scope, unit_id=key, what=name)
        if len(many) > MAX_NAMED:
            writer.text(f"等{len(many)}个单位")
    writer.text("。")
    return writer.finding(rule, "、".join(names[key].name for _count, key in named) or "全部")


def analyse(scope: Scope, rules: list[AnalysisRule] | None = None) -> Analysis:
    """The findings of the enabled rules (in their order) for `scope`; raises PeriodRequired without a period."""
    previous, last_year = comparison_scopes(scope)
    rules = list(AnalysisRule.objects.filter(enabled=True)) if rules is None else rules
    kinds = {rule.kind for rule in rules}
    now = figures.totals(scope)
    base = {RuleKind.CHANGE_PREVIOUS: (previous, figures.totals(previous) if RuleKind.CHANGE_PREVIOUS in kinds else {}),
            RuleKind.CHANGE_YEAR: (last_year, figures.totals(last_year) if RuleKind.CHANGE_YEAR in kinds else {})}
    units = figures.by_unit(scope) if kinds & {RuleKind.UNIT_OUTLIER, RuleKind.OVERDUE, RuleKind.REJECTED} else {}
    unit_names = figures.unit_names(units) if units else {}
    districts: dict = {}
    district_names: dict = {}
    if RuleKind.DISTRICT_OUTLIER in kinds:
        districts = figures.by_district(scope)
        district_names = {r.path: r for r in overview_districts(scope.user)
                          if scope.region_id is None or r.pk == scope.region_id}
    findings: list[Finding] = []
    for rule in rules:
        if rule.kind in base:
            base_scope, base_counts = base[rule.kind]
            finding = _change(rule, scope, base_scope, now, base_counts)
            findings += [finding] if finding else []
        elif rule.kind == RuleKind.UNIT_OUTLIER:
            findings += _outliers(rule, scope, units, unit_names, units=True)
        elif rule.kind == RuleKind.DISTRICT_OUTLIER:
            findings += _outliers(rule, scope, districts, district_names, units=False)
        else:
            finding = _concentration(rule, scope, now, units, unit_names, scope.as_of)
            findings += [finding] if finding else []
    order = {name: i for i, name in enumerate(SECTIONS)}
    findings.sort(key=lambda f: order[f.section])  # stable: rules keep their order within a section
    measure_of = {rule.code: rule.measure for rule in rules}
    named = [f for f in findings if measure_of[f.rule] == CHART_MEASURE]
    return Analysis(scope, previous, last_year, findings, rules, _unit_chart(scope, units, unit_names, named))


CHART_MEASURE, CHART_MIN_BASE = "on_time_closure_rate", 5


def _unit_chart(scope: Scope, units: dict, names: dict, findings: list[Finding]) -> list[dict]:
    """按期办结率 of each unit with at least CHART_MIN_BASE closed-or-overdue problems, lowest first; the units a
    rule of that measure named are marked. Each bar opens the unit's denominator list."""
    flagged = {f.unit_id for f in findings if f.unit_id is not None}
    bars = []
    for key, counts in units.items():
        value = amount(counts, CHART_MEASURE)
        if key in names and value.base >= CHART_MIN_BASE and value.percent is not None:
            bars.append({"name": names[key].name, "value": round(value.percent, 1), "flagged": key in flagged,
                         "detail": f"{value.numerator}/{value.denominator}",
                         "url": figures.list_url(scope, figures.parts_of(CHART_MEASURE)[1], unit_id=key)})
    return sorted(bars, key=lambda bar: (bar["value"], bar["name"]))


def health_url(unit_id: int) -> str:
    return reverse("dashboards:unit_health", args=[unit_id])
