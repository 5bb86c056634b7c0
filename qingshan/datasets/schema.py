"""A data set's schema as a plain dict (the shape the catalogue's YAML files use), checked before anything is stored.

    {code, name, description, key: [..], subject: [..], location: {lng, lat}?, parquet: path?,
     columns: [{name, type, label, required?, min?, max?, choices?, personal?}]}

`personal` marks a column holding a personal identifier (``id_number`` 身份证号, ``phone`` 电话号码): its values are
masked wherever they are shown (hit lists, evidence, previews, the API) unless revealed with a reason.
"""
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from qingshan.core.errors import ServiceError

from .catalog import COLUMN_TYPES, IDENTIFIER

NUMERIC_TYPES = ("integer", "decimal", "double")
RANGED_TYPES = (*NUMERIC_TYPES, "date", "timestamp")
SPEC_KEYS = {"code", "name", "description", "key", "subject", "location", "columns", "parquet"}
COLUMN_KEYS = {"name", "type", "label", "required", "min", "max", "choices", "personal"}
PERSONAL_KINDS = {"id_number": "身份证号", "phone": "电话号码"}


def _identifier(value, what: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ServiceError(f"{what}“{value}”不合法：只能使用小写字母、数字和下划线，以字母开头，最长 63 个字符。")
    return value


def _limit(value, logical_type: str, what: str):
    """A min/max kept as text in the schema (JSON has no decimals), checked to be a value of the column's type."""
    if value is None:
        return None
    text = str(value).strip()
    if logical_type in NUMERIC_TYPES:
        try:
            Decimal(text)
        except InvalidOperation as exc:
            raise ServiceError(f"{what}“{text}”不是数字。") from exc
    return text


def parse_spec(spec: dict) -> dict:
    """The spec checked and normalised (defaults filled in); ServiceError naming the first problem otherwise."""
    if not isinstance(spec, dict):
        raise ServiceError("数据集定义必须是一个对象（键值对）。")
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise ServiceError(f"数据集定义中有无法识别的项：{'、'.join(map(str, unknown))}。")
    code = _identifier(spec.get("code"), "数据集代码")
    name = str(spec.get("name") or "").strip()
    if not name:
        raise ServiceError(f"数据集“{code}”缺少中文名称（name）。")
    raw_columns = spec.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise ServiceError(f"数据集“{code}”至少要有一个字段（columns）。")
    columns, seen, labels = [], set(), set()
    for raw in raw_columns:
        if not isinstance(raw, dict):
            raise ServiceError(f"数据集“{code}”的字段定义必须是对象。")
        bad = sorted(set(raw) - COLUMN_KEYS)
        col = _identifier(raw.get("name"), "字段名")
        if bad:
            raise ServiceError(f"字段“{col}”中有无法识别的项：{'、'.join(map(str, bad))}。")
        if col in seen:
            raise ServiceError(f"字段“{col}”重复定义。")
        seen.add(col)
        logical_type = raw.get("type")
        if logical_type not in COLUMN_TYPES:
            raise ServiceError(f"字段“{col}”的类型“{logical_type}”不支持，可用类型：{'、'.join(COLUMN_TYPES)}。")
        label = str(raw.get("label") or "").strip() or col
        if label in labels and label != col:
            raise ServiceError(f"字段中文名“{label}”重复。")
        labels.add(label)
        column = {"name": col, "type": logical_type, "label": label, "required": bool(raw.get("required", False))}
        for bound in ("min", "max"):
            if raw.get(bound) is not None:
                if logical_type not in RANGED_TYPES:
                    raise ServiceError(f"字段“{label}”的类型为 {logical_type}，不能设置上下限。")
                what = f"字段“{label}”的{'下限' if bound == 'min' else '上限'}"
                column[bound] = _limit(raw[bound], logical_type, what)
        if raw.get("choices") is not None:
            choices = raw["choices"]
            if not isinstance(choices, list) or not choices:
                raise ServiceError(f"字段“{label}”的可选值（choices）必须是非空列表。")
            column["choices"] = [str(c) for c in choices]
        if raw.get("personal") is not None:
            if raw["personal"] not in PERSONAL_KINDS:
                raise ServiceError(f"字段“{label}”的个人信息类别（personal）只能是 "
                                   f"{'、'.join(PERSONAL_KINDS)}。")
            if logical_type != "string":
                raise ServiceError(f"字段“{label}”标记为个人信息，类型必须是 string。")
            column["personal"] = raw["personal"]
        columns.append(column)
    names = [c["name"] for c in columns]

    def column_list(key: str, what: str) -> list[str]:
        values = spec.get(key) or []
        if isinstance(values, str):
            values = [values]
        for value in values:
            if value not in names:
                raise ServiceError(f"{what}“{value}”不是数据集“{code}”的字段。")
        return list(values)

    key = column_list("key", "主键字段")
    subject = column_list("subject", "对象字段")
    location = spec.get("location") or {}
    lng = lat = ""
    if location:
        if not isinstance(location, dict) or set(location) != {"lng", "lat"}:
            raise ServiceError("位置（location）须同时给出经度字段 lng 和纬度字段 lat。")
        lng, lat = location["lng"], location["lat"]
        for value, what in ((lng, "经度字段"), (lat, "纬度字段")):
            if value not in names:
                raise ServiceError(f"{what}“{value}”不是数据集“{code}”的字段。")
            if next(c for c in columns if c["name"] == value)["type"] not in ("decimal", "double"):
                raise ServiceError(f"{what}“{value}”必须是 decimal 或 double 类型。")
    parquet = str(spec.get("parquet") or "").strip()
    if parquet and not parquet.endswith(".parquet"):
        raise ServiceError(f"外部文件“{parquet}”必须是 .parquet 文件。")
    return {"code": code, "name": name, "description": str(spec.get("description") or "").strip(),
            "columns": columns, "key": key, "subject": subject, "lng": lng, "lat": lat, "parquet": parquet}


def load_spec_file(path: Path | str) -> list[dict]:
    """The data-set specs in one YAML (or JSON) file: a single mapping, a list, or {datasets: [...]}."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if isinstance(data, dict) and "datasets" in data:
        data = data["datasets"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ServiceError(f"文件“{Path(path).name}”中没有数据集定义。")
    return data
