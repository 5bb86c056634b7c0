"""The 体检报告 of one responsible unit: its duty dimensions against the median of its peers (a radar), its trend by
month, its open red items and a generated narrative. Every figure comes from a scoped selector and links to its list.

Each dimension is scored 0–100, higher is better, so the radar reads one way:
- 签收及时, 办结按期: the rate itself (按时签收率, 按期办结率);
- 发回重办, 催办: 100 − the rate (发回重办率, 催办率);
- 整改进度: the share of the unit's rectification items completed (整改事项 it leads, as of today);
- 问责, 模型命中: 100 × (1 − n ÷ the largest n among the unit and its peers), 100 when nobody has any; n is the
  accountability records against the unit decided in the period, and the model hits turned into problems it leads
  received in the period.
Peers are the other responsible units the viewer may see that have something to score in that dimension; with fewer
than MIN_PEERS of them there is no median.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from statistics import median
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from qingshan.core.choices import EscalationLevel
from qingshan.core.overview import Scope
from qingshan.datacheck.selectors import hit_list
from qingshan.instruments.selectors import accountability_list
from qingshan.orgs.models import Organisation
from qingshan.problems import kpis
from qingshan.rectification.selectors import item_list, kpi_conditions

from ..selectors import scope_problems
from . import figures
from .figures import amount

MIN_PEERS = 3
ITEM_LIMIT = 20  # red items and records listed at most (the figures count them all)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    value_text: str  # what the unit shows, as read (a rate with its parts, or a count)
    score: float | None  # 0–100, higher better; None: nothing to score
    peer_median: float | None
    peer_count: int
    url: str | None  # the list behind the unit's figure
    rule: str  # how the score is made, in words


@dataclass(frozen=True)
class Row:
    text: str
    url: str
    note: str = ""


@dataclass
class Health:
    unit: Organisation
    scope: Scope
    dimensions: list[Dimension]
    months: list[dict]
    red_problems: list[Row]
    red_problem_count: int
    red_problems_url: str
    red_items: list[Row]
    red_item_count: int
    red_items_url: str
    accountability: list[Row] = field(default_factory=list)
    hits: list[Row] = field(default_factory=list)
    narrative: list[str] = field(default_factory=list)

    def radar(self) -> dict:
        """What the page's radar draws: the unit's scores and the peers' medians (0 where there is none)."""
        return {"indicators": [{"name": d.label, "max": 100} for d in self.dimensions],
                "unit": [round(d.score, 1) if d.score is not None else 0 for d in self.dimensions],
                "peers": [round(d.peer_median, 1) if d.peer_median is not None else 0 for d in self.dimensions],
                "unitName": self.unit.name, "months": self.months}


def _rate_dimension(key: str, label: str, measure: str, invert: bool, scope: Scope, unit_id: int,
                    groups: dict) -> Dimension:
    def score(counts: dict) -> float | None:
        percent = amount(counts, measure).percent
        return None if percent is None else (100 - percent if invert else percent)

    mine = groups.get(unit_id, {})
    value = amount(mine, measure)
    peers = [s for key_, counts in groups.items() if key_ != unit_id and (s := score(counts)) is not None]
    text = value.text if value.denominator is None else f"{value.text}（{value.numerator}/{value.denominator}）"
    rule = f"{'100 − ' if invert else ''}{figures.label_of(measure)}"
    return Dimension(key, label, text, score(mine), median(peers) if len(peers) >= MIN_PEERS else None, len(peers),
                     figures.list_url(scope, figures.parts_of(measure)[1] or measure, unit_id=unit_id), rule)


def _count_dimension(key: str, label: str, unit_id: int, counts: Counter, peer_ids: set[int], url: str | None,
                     what: str) -> Dimension:
    everyone = {unit_id, *peer_ids}
    top = max((counts[i] for i in everyone), default=0)

    def score(i: int) -> float:
        return 100.0 if not top else 100.0 * (1 - counts[i] / top)

    peers = [score(i) for i in peer_ids if i != unit_id]
    return Dimension(key, label, f"{counts[unit_id]}{what}", score(unit_id),
                     median(peers) if len(peers) >= MIN_PEERS else None, len(peers), url,
                     f"100 ×（1 − 本单位{label}数 ÷ 可比单位中的最大值）")


def _rectification(user) -> dict[int, dict[str, int]]:
    """Items led and items completed, by lead unit, over the items `user` may see (as of today): one query."""
    completed = kpi_conditions(timezone.localdate())["completed"][0]
    grouped = (item_list(user=user).order_by().values("lead_unit_id")
               .annotate(all=Count("pk"), completed=Count("pk", filter=completed)))
    return {row["lead_unit_id"]: {"all": row["all"], "completed": row["completed"]} for row in grouped}


def _rect_url(params: dict) -> str:
    return f"{reverse('rectification:list')}?{urlencode(params)}"


def unit_health(*, scope: Scope, unit: Organisation) -> Health:
    """The 体检报告 of `unit` for the scope's period, with every figure the scope's user may see."""
    user = scope.user
    groups = figures.by_unit(scope)
    peer_ids = {key for key in groups if key != unit.pk}
    dims = [
        _rate_dimension("sign", "签收及时", "on_time_sign_rate", False, scope, unit.pk, groups),
        _rate_dimension("closure", "办结按期", "on_time_closure_rate", False, scope, unit.pk, groups),
        _rate_dimension("rejection", "发回重办", "rejection_rate", True, scope, unit.pk, groups),
        _rate_dimension("urge", "催办", "urge_rate", True, scope, unit.pk, groups),
    ]
    # 整改进度: the rectification items each unit leads, as of today.
    rect = _rectification(user)
    mine = rect.get(unit.pk, {"all": 0, "completed": 0})

    def progress(row) -> float | None:
        return 100.0 * row["completed"] / row["all"] if row["all"] else None

    peer_progress = [p for key, row in rect.items() if key != unit.pk and (p := progress(row)) is not None]
    dims.append(Dimension("rectification", "整改进度",
                          f"{mine['completed']}/{mine['all']}项已完成" if mine["all"] else "无整改事项",
                          progress(mine), median(peer_progress) if len(peer_progress) >= MIN_PEERS else None,
                          len(peer_progress), _rect_url({"lead_unit": unit.pk}), "已完成整改事项 ÷ 牵头整改事项"))
    # 问责: records against the unit decided in the period.
    records = accountability_list(user=user)
    if scope.received_from:
        records = records.filter(decided_on__gte=scope.received_from)
    if scope.received_to:
        records = records.filter(decided_on__lte=scope.received_to)
    held = Counter(records.prefetch_related(None).order_by().values_list("organisations", flat=True))
    held.pop(None, None)
    own_records = list(records.filter(organisations=unit)[:ITEM_LIMIT])
    dims.append(_count_dimension("accountability", "问责", unit.pk, held, peer_ids | set(held), None, "条问责记录"))
    # 模型命中: hits turned into problems the unit leads, received in the period.
    hits, _filter = hit_list(user=user)
    hits = hits.filter(problem__lead_unit__isnull=False, problem__in=scope_problems(scope).values("pk"))
    hit_counts = Counter(hits.order_by().values_list("problem__lead_unit_id", flat=True))
    own_hits = list(hits.filter(problem__lead_unit=unit)[:ITEM_LIMIT])
    dims.append(_count_dimension("hits", "模型命中", unit.pk, hit_counts, peer_ids | set(hit_counts), None,
                                 "条转为问题"))

    health = Health(unit=unit, scope=scope, dimensions=dims, months=_months(scope, unit),
                    **_red_problems(scope, unit), **_red_items(user, unit))
    health.accountability = [Row(f"{r.decided_on:%Y-%m-%d} {r.get_form_display()}：{r.summary[:40]}",
                                 reverse("instruments:accountability_detail", args=[r.pk])) for r in own_records]
    health.hits = [Row(f"{h.model.name}：{h.subject_label or h.subject_key}", reverse("datacheck:hit", args=[h.pk]))
                   for h in own_hits]
    health.narrative = narrative(health)
    return health


def _months(scope: Scope, unit: Organisation) -> list[dict]:
    conditions = ("received", "overdue", "closed")
    rows = (scope_problems(scope).filter(lead_unit=unit).annotate(kpi_month=TruncMonth("received_on"))
            .values("kpi_month").annotate(**{name: Count("pk", filter=kpis.condition(name, scope.as_of))
                                             for name in conditions}).order_by("kpi_month"))
    months = []
    for row in rows:
        month = row["kpi_month"].date() if isinstance(row["kpi_month"], dt.datetime) else row["kpi_month"]
        months.append({"label": f"{month.year}年{month.month}月", **{name: row[name] for name in conditions}})
    return months


def _red_problems(scope: Scope, unit: Organisation) -> dict:
    """Open problems the unit leads under red escalation (提级督办), whatever their period of receipt."""
    whole = replace(scope, received_from=None, received_to=None, region_id=None, memo={})
    red = scope_problems(whole).filter(kpis.open_(scope.as_of), lead_unit=unit,
                                       escalation_level=EscalationLevel.RED).order_by("received_at", "pk")
    url = (f"{reverse('problems:list')}?" + urlencode({"kpi": "open", "as_of": scope.as_of.isoformat(),
                                                         "lead_unit": unit.pk,
                                                         "escalation_level": EscalationLevel.RED.value}))
    rows = [Row(f"{p.number} {p.title}", reverse("problems:detail", args=[p.pk]),
                f"办理期限 {p.handle_deadline:%Y-%m-%d}" if p.handle_deadline else "")
            for p in red.only("pk", "number", "title", "handle_deadline")[:ITEM_LIMIT]]
    return {"red_problems": rows, "red_problem_count": red.count(), "red_problems_url": url}


def _red_items(user, unit: Organisation) -> dict:
    params = {"lead_unit": str(unit.pk), "kpi": "red"}
    items = item_list(user=user, params=params)
    rows = [Row(f"{i.number} {i.title}", reverse("rectification:detail", args=[i.pk]),
                f"整改期限 {i.deadline:%Y-%m-%d}") for i in items[:ITEM_LIMIT]]
    return {"red_items": rows, "red_item_count": items.count(), "red_items_url": _rect_url(params)}


def narrative(health: Health) -> list[str]:
    """A few plain sentences from the figures: the volume, the dimensions behind and ahead of the peers, red items."""
    unit = health.unit.name
    sentences = []
    received = sum(m["received"] for m in health.months)
    sentences.append(f"{unit}在所选期间作为主办单位承办问题{received}件。")
    compared = [d for d in health.dimensions if d.score is not None and d.peer_median is not None]
    behind = sorted((d for d in compared if d.score < d.peer_median - 10), key=lambda d: d.score - d.peer_median)
    ahead = [d for d in compared if d.score > d.peer_median + 10]
    if behind:
        sentences.append("落后于可比单位中位数 10 分以上的方面：" + "、".join(
            f"{d.label}（{d.score:.0f}分，中位数{d.peer_median:.0f}分）" for d in behind) + "，应作为督促重点。")
    if ahead:
        sentences.append("领先于可比单位中位数 10 分以上的方面：" + "、".join(
            f"{d.label}（{d.score:.0f}分）" for d in ahead) + "。")
    if compared and not behind and not ahead:
        sentences.append("各项履职得分与可比单位中位数相差均在 10 分以内。")
    if not compared:
        sentences.append(f"可比单位不足 {MIN_PEERS} 个，暂不与同类单位比较。")
    if health.red_problem_count or health.red_item_count:
        sentences.append(f"目前有红色督办未办结问题{health.red_problem_count}件、红牌预警整改事项{health.red_item_count}项，"
                         "需重点跟踪。")
    else:
        sentences.append("目前没有红色督办未办结的问题和红牌预警的整改事项。")
    return sentences
