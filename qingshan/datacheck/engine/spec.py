"""Model specs: parse YAML/JSON text, validate it against ``spec_schema.json`` and explain errors in Chinese."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from qingshan.core.errors import ServiceError

KINDS = (
    "threshold",
    "missing_in_other",
    "mismatch",
    "duplicate",
    "time_gap",
    "route_deviation",
    "dwell",
    "aggregate",
    "custom_sql",
)
KIND_LABELS = {
    "threshold": "阈值",
    "missing_in_other": "缺失比对",
    "mismatch": "数值不一致",
    "duplicate": "重复",
    "time_gap": "时间间隔",
    "route_deviation": "偏离路线",
    "dwell": "异常停留",
    "aggregate": "分组汇总",
    "custom_sql": "自定义查询",
}
MAX_SPEC_BYTES = 100_000


class SpecError(ServiceError):
    """A spec that cannot be used: ``messages`` lists every problem, in Chinese, each with its path."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


@dataclass(frozen=True)
class ModelSpec:
    """A validated model spec; ``body`` is the block of its kind (e.g. ``spec["threshold"]``)."""

    code: str
    name: str
    kind: str
    version: int
    owner: str
    subject_columns: tuple[str, ...]
    subject_label: str | None
    description: str = ""
    severity: str = "medium"
    dataset: str | None = None
    filter: str | None = None
    evidence: tuple[str, ...] = ()
    location: tuple[str, str] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


@cache
def spec_schema() -> dict:
    """The JSON Schema every spec is validated against."""
    return json.loads((Path(__file__).with_name("spec_schema.json")).read_text(encoding="utf-8"))


_TYPE_LABELS = {
    "number": "数字",
    "integer": "整数",
    "string": "字符串",
    "boolean": "布尔值",
    "object": "对象（键值）",
    "array": "列表",
}


def _path(error: jsonschema.ValidationError) -> str:
    parts = ["spec"]
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts)


def _explain(error: jsonschema.ValidationError) -> str:
    where, v = _path(error), error.validator
    if v == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        if error.schema_path and "oneOf" in list(error.schema_path) or "anyOf" in list(error.schema_path):
            return f"{where}：缺少字段“{'”或“'.join(missing)}”"
        return f"{where}：缺少必填字段“{'”、“'.join(missing)}”"
    if v == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{where}：应为{'或'.join(_TYPE_LABELS.get(t, t) for t in expected)}"
    if v == "enum":
        return f"{where}：应为以下之一：{'、'.join(str(x) for x in error.validator_value)}"
    if v == "pattern":
        return f"{where}：“{error.instance}”不合法，只能使用小写字母、数字和下划线，并以字母开头"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}：不允许的字段“{'”、“'.join(map(str, extra))}”"
    if v in ("minItems", "minProperties"):
        return f"{where}：至少需要 {error.validator_value} 项"
    if v == "minLength":
        return f"{where}：不能为空"
    if v == "maxLength":
        return f"{where}：过长（最多 {error.validator_value} 个字符）"
    if v == "minimum":
        return f"{where}：不能小于 {error.validator_value}"
    if v == "exclusiveMinimum":
        return f"{where}：应大于 {error.validator_value}"
    if v == "uniqueItems":
        return f"{where}：不能有重复项"
    if v == "oneOf":
        return f"{where}：只能二选一：固定限值（limit）或参照数据集（reference）"
    if v == "anyOf":
        return f"{where}：至少需要一个条件"
    return f"{where}：不符合规格"


def _load(text: str | bytes | Mapping) -> Mapping:
    if isinstance(text, Mapping):
        return text
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SpecError("spec：应为 UTF-8 编码的 YAML 或 JSON 文本") from error
    if len(text.encode("utf-8")) > MAX_SPEC_BYTES:
        raise SpecError("spec：内容过长")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
        raise SpecError(f"spec：不是合法的 YAML/JSON{at}") from error
    if not isinstance(data, Mapping):
        raise SpecError("spec：应为对象（键值）")
    return data


def parse_spec(text: str | bytes | Mapping) -> ModelSpec:
    """Parse and validate a spec (YAML or JSON text, or an already-loaded mapping); raise SpecError if unusable."""
    data = _load(text)
    validator = jsonschema.Draft202012Validator(spec_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    messages = list(dict.fromkeys(_explain(error) for error in errors))
    if messages:
        raise SpecError(messages)
    kind = data["kind"]
    if kind not in data:
        messages.append(f"spec.{kind}：类型为“{KIND_LABELS[kind]}”的模型需要“{kind}”配置块")
    for other in KINDS:
        if other != kind and other in data:
            messages.append(f"spec.{other}：与模型类型“{kind}”不符")
    if kind != "custom_sql" and not data.get("dataset"):
        messages.append("spec.dataset：缺少必填字段“dataset”")
    if kind == "custom_sql" and (data.get("dataset") or data.get("filter")):
        messages.append("spec.dataset：自定义查询在 SQL 中指定数据集，不能再填写 dataset 或 filter")
    if kind == "aggregate" and kind in data:
        body = data[kind]
        if body["mode"] == "having" and not ("measures" in body and "having" in body):
            messages.append("spec.aggregate：分组条件模式需要“measures”和“having”")
        robust_only = sorted({"direction", "min_relative_deviation"} & set(body))
        if body["mode"] != "peer_robust" and robust_only:
            messages.append(f"spec.aggregate：“{'”“'.join(robust_only)}”只用于稳健同类对比模式（peer_robust）")
        if body["mode"] in ("peer_band", "peer_robust") and not ("value" in body and "k" in body):
            messages.append("spec.aggregate：同类对比模式需要“value”和“k”")
    if messages:
        raise SpecError(messages)
    location = data.get("location")
    return ModelSpec(
        code=data["code"],
        name=data["name"],
        kind=kind,
        version=data["version"],
        owner=data["owner"],
        subject_columns=tuple(data["subject"]["columns"]),
        subject_label=data["subject"].get("label"),
        description=data.get("description", ""),
        severity=data.get("severity", "medium"),
        dataset=data.get("dataset"),
        filter=data.get("filter"),
        evidence=tuple(data.get("evidence", ())),
        location=(location["lng"], location["lat"]) if location else None,
        params=dict(data.get("params", {})),
        body=dict(data[kind]),
        raw=dict(data),
    )
