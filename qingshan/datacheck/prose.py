"""A hit as an officer would write it: evidence under the data sets' Chinese column labels, values formatted by
their columns (是/否, units, one date style, no float noise, item names for codes), the subject by its name and
the region (区县) its register gives. The problem made from a hit, the hit page and the run preview all read it
through here, so they agree.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from qingshan.core.errors import ServiceError
from qingshan.datasets.selectors import dataset_schemas, format_value, subject_facts, unit_of
from qingshan.orgs.models import Region

if TYPE_CHECKING:
    from qingshan.datasets.models import Dataset

    from .models import CheckModel, Hit

EVIDENCE_LINES = 10  # evidence rows written into a problem's description
# The columns each kind computes (compiler/*.py), in the words of a person reading the evidence.
COMPUTED_LABELS = {
    "value": "判定值", "limit_value": "限值", "other_value": "比对值", "difference": "差值",
    "duplicate_count": "重复次数", "previous_at": "上一次时间", "gap_seconds": "间隔",
    "group_mean": "组内均值", "group_stddev": "组内标准差", "group_size": "组内数量",
    "peer_median": "同类中位数", "peer_mad": "同类中位数绝对偏差", "peer_count": "同类数量",
    "dwell_start": "停留开始", "dwell_end": "停留结束", "dwell_seconds": "停留时长（秒）", "point_count": "定位点数",
    "lng": "经度", "lat": "纬度",
}
# The order the compiler projects them in (after the spec's evidence): PostgreSQL's jsonb keeps no key order, so
# a stored evidence row is put back in this order for reading.
COMPUTED_ORDER = ("lng", "lat", "dwell_start", "dwell_end", "dwell_seconds", "point_count", "value", "limit_value",
                  "other_value", "difference", "duplicate_count", "previous_at", "gap_seconds", "group_mean",
                  "group_stddev", "group_size", "peer_median", "peer_mad", "peer_count")
# Computed durations, kept in seconds by the engine (exact and the same on every engine), read in days and hours.
DURATION_KEYS = frozenset({"gap_seconds"})
_DURATION_UNITS = ((86400, "天"), (3600, "小时"), (60, "分钟"), (1, "秒"))


def duration_text(value: object) -> str:
    """Seconds as a person reads a gap: 31968000 → 370 天, 2400 → 40 分钟, 90061 → 1 天 1 小时 1 分钟 1 秒."""
    if value is None or value == "":
        return ""
    try:
        seconds = int(Decimal(str(value)).to_integral_value())
    except (InvalidOperation, ValueError):
        return str(value)
    sign, rest, parts = ("-" if seconds < 0 else ""), abs(seconds), []
    for size, unit in _DURATION_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}")
    return sign + (" ".join(parts) or "0 秒")


@dataclass(frozen=True)
class EvidenceColumn:
    """One evidence key: its heading, its schema column (None when computed) and where its unit comes from."""

    key: str
    label: str
    column: Mapping | None = None
    unit_key: str | None = None  # the key, in the same row, of the choice column giving this value's unit
    unit_column: Mapping | None = None
    duration: bool = False  # seconds computed by the engine, read as 天/小时/分钟

    def text(self, row: Mapping) -> str:
        """This column's value in `row`, as a person reads it."""
        if self.duration:
            return duration_text(row.get(self.key))
        choice = row.get(self.unit_key) if self.unit_key else None
        unit = unit_of(self.column, self.unit_column, choice) if self.column else ""
        return format_value(self.column, row.get(self.key), unit=unit)


@dataclass
class Vocabulary:
    """How the evidence of one model's hits reads: a column per key, found in the data sets the model reads."""

    primary: "Dataset | None"
    schemas: dict[str, "Dataset"]
    overrides: Mapping[str, str] = field(default_factory=dict)
    order: tuple[str, ...] = COMPUTED_ORDER  # the spec's evidence keys first, then the computed columns

    def ordered(self, keys) -> list[str]:
        """`keys` in the order the model returns them (unknown keys last, as given)."""
        rank = {key: i for i, key in enumerate(self.order)}
        keys = list(dict.fromkeys(keys))
        return sorted(keys, key=lambda k: (rank.get(k, len(rank)), keys.index(k)))

    def column(self, key: str) -> EvidenceColumn:
        """The evidence column of `key`: a column of the primary data set, then `<code>_<column>` of another, then
        a label the spec gives or a computed column's; the key itself only when nothing names it."""
        found = self._schema_column(key)
        if key in self.overrides or found is None:
            label = self.overrides.get(key) or COMPUTED_LABELS.get(key, key)
            return EvidenceColumn(key, label, found[1] if found else None,
                                  duration=found is None and key in DURATION_KEYS)
        prefix, column, columns = found
        unit_key = unit_column = None
        if column.get("unit_from"):
            unit_key = prefix + column["unit_from"]
            unit_column = next((c for c in columns if c["name"] == column["unit_from"]), None)
        return EvidenceColumn(key, column.get("label") or key, column, unit_key, unit_column)

    def _schema_column(self, key: str) -> tuple[str, Mapping, list] | None:
        if self.primary is not None:
            own = next((c for c in self.primary.columns if c["name"] == key), None)
            if own is not None:
                return "", own, self.primary.columns
        for code in sorted(self.schemas, key=len, reverse=True):
            if key.startswith(code + "_"):
                name = key[len(code) + 1:]
                other = next((c for c in self.schemas[code].columns if c["name"] == name), None)
                if other is not None:
                    return code + "_", other, self.schemas[code].columns
        return None

    def columns(self, keys: list[str]) -> list[EvidenceColumn]:
        """The evidence columns of `keys`, headings made unique (a second data set's 断面编码 names its set)."""
        found = [self.column(k) for k in keys]
        seen: set[str] = set()
        unique = []
        for col in found:
            label = col.label
            if label in seen:
                code = next((c for c in self.schemas if col.key.startswith(c + "_")), "")
                label = f"{label}（{self.schemas[code].name}）" if code else f"{label}（{col.key}）"
            seen.add(label)
            unique.append(replace(col, label=label))
        return unique

    def table(self, evidence: list[Mapping]) -> tuple[list[tuple[str, str]], list[list[str]]]:
        """Headings (key, label) and formatted rows of evidence rows, columns in their first appearance order."""
        columns = self.columns(self.ordered(k for row in evidence for k in row))
        return [(c.key, c.label) for c in columns], [[c.text(row) for c in columns] for row in evidence]

    def line(self, row: Mapping) -> str:
        """One evidence row as a sentence: 采样日期：2026-03-05；监测项目：氨氮；监测值：0.62 mg/L."""
        return "；".join(f"{c.label}：{c.text(row)}" for c in self.columns(self.ordered(row)))


def model_vocabulary(model: "CheckModel", schemas: dict[str, "Dataset"] | None = None,
                     spec_text: str | None = None) -> Vocabulary:
    """The vocabulary of one model's evidence (of `spec_text` when given: a draft's): its spec's main data set
    first, then every other data set's."""
    from .engine.spec import parse_spec

    schemas = dataset_schemas() if schemas is None else schemas
    try:
        spec = parse_spec(model.spec_text if spec_text is None else spec_text)
    except ServiceError:  # a saved spec was valid when saved; one that no longer parses still has its rows shown
        return Vocabulary(primary=None, schemas=schemas)
    labels = spec.raw.get("labels") or {}
    evidence = tuple(ref.replace(".", "_", 1) for ref in spec.evidence)  # code.col is returned as code_col
    return Vocabulary(primary=schemas.get(spec.dataset or ""), schemas=schemas,
                      overrides={str(k): str(v) for k, v in labels.items()}, order=evidence + COMPUTED_ORDER)


@dataclass(frozen=True)
class HitSubject:
    """Who or what a hit is about, as a problem names it: name, key (with its columns' labels) and region."""

    name: str
    key_text: str
    region: Region | None


def _region_named(text: str, within: Region | None) -> Region | None:
    """The region a register names (by name or code), within the model owner's jurisdiction, district first."""
    if not text:
        return None
    regions = Region.objects.filter(Q(name=text) | Q(code=text))
    if within is not None:
        regions = regions.filter(path__startswith=within.path)
    return regions.order_by("level", "path").first()


def hit_subject(hit: "Hit", vocabulary: Vocabulary | None = None) -> HitSubject:
    """The hit's subject: its label, else the name its register gives; the region its register gives (a located
    hit's nearest district otherwise)."""
    vocabulary = vocabulary or model_vocabulary(hit.model)
    dataset = vocabulary.primary
    facts = subject_facts(dataset=dataset, keys=[hit.subject_key], schemas=vocabulary.schemas).get(
        hit.subject_key) if dataset else None
    # What `masking.mask_hits` shows of the subject when it has run (personal identifiers masked), else the raw.
    shown_key = getattr(hit, "shown_key", hit.subject_key)
    shown_label = getattr(hit, "shown_label", hit.subject_label)
    label = shown_label if hit.subject_label and hit.subject_label != hit.subject_key else ""
    name = label or (facts.name if facts else "") or shown_key
    key_text = shown_key
    if dataset is not None and dataset.subject:
        parts = shown_key.split("|")
        if shown_key != hit.subject_key and len(dataset.subject) == 1:
            key_text = f"{dataset.label_of(dataset.subject[0])} {shown_key}"
        elif shown_key == hit.subject_key and len(parts) == len(dataset.subject):
            key_text = "，".join(f"{dataset.label_of(c)} {v}" for c, v in zip(dataset.subject, parts, strict=True))
    owner_region = hit.model.owner_org.region
    region = _region_named(facts.region, owner_region) if facts else None
    return HitSubject(name=name, key_text=key_text, region=region or hit.region)


class SubjectNamer:
    """Names and regions of a run's subjects from their register, one query per batch of keys, so a new hit
    shows 青山桥 in the triage list and sits in its district from the start."""

    def __init__(self, model: "CheckModel"):
        self.vocabulary = model_vocabulary(model)
        self.within = model.owner_org.region
        self._regions: dict[str, Region | None] = {}

    def __call__(self, keys: list[str]) -> dict[str, tuple[str, Region | None]]:
        dataset = self.vocabulary.primary
        if dataset is None:
            return {}
        facts = subject_facts(dataset=dataset, keys=keys, schemas=self.vocabulary.schemas)
        return {key: (f.name, self._region(f.region)) for key, f in facts.items()}

    def _region(self, text: str) -> Region | None:
        if text not in self._regions:
            self._regions[text] = _region_named(text, self.within)
        return self._regions[text]


def hit_title(hit: "Hit", subject: HitSubject) -> str:
    """断面水质劣于目标类别：青山桥（青山区）."""
    where = f"（{subject.region.name}）" if subject.region is not None and subject.region.level > 1 else ""
    return f"{hit.model.name}：{subject.name}{where}"[:200]


def hit_description(hit: "Hit", vocabulary: Vocabulary | None = None, subject: HitSubject | None = None) -> str:
    """The problem description made from a hit: what was found where, how often, the model's reasoning, and the
    evidence rows in words."""
    vocabulary = vocabulary or model_vocabulary(hit.model)
    subject = subject or hit_subject(hit, vocabulary)
    where = subject.region.name if subject.region is not None else ""
    first = timezone.localtime(hit.first_seen_at)
    last = timezone.localtime(hit.last_seen_at)
    lines = [
        f"数据比对模型“{hit.model.name}”发现{where}“{subject.name}”（{subject.key_text}）存在异常，"
        f"命中 {hit.hit_rows} 行数据。{first:%Y-%m-%d} 首次发现，最近一次发现于 {last:%Y-%m-%d}，"
        f"共出现 {hit.occurrences} 次。",
    ]
    if hit.model.description:
        lines.append(f"模型说明：{hit.model.description}")
    evidence = getattr(hit, "shown_evidence", hit.evidence)  # masked by `masking.mask_hits` when it has run
    if evidence:
        shown = evidence[:EVIDENCE_LINES]
        lines.append(f"证据（共 {len(evidence)} 行，列出前 {len(shown)} 行）：")
        lines += [f"{i}. {vocabulary.line(row)}。" for i, row in enumerate(shown, start=1)]
    return "\n".join(lines)
