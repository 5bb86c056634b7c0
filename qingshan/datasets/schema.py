"""A data set's schema as a plain dict (the shape the catalogue's YAML files use), checked before anything is stored.

    {code, name, description, key: [..], subject: [..], location: {lng, lat}?, parquet: path?,
     columns: [{name, type, label, required?, min?, max?, choices?, unit?, unit_from?, references?, role?,
                personal?}]}

What lets a person read (and write) rows in Chinese: ``choices`` entries may be ``{value, label, unit?}`` (an import
may use the label, a page shows it), ``unit`` is the column's unit, ``unit_from`` names a choice column whose chosen
entry's unit applies (a reading's unit depends on its item), ``references`` names the data set whose subjects the
column holds, and ``role`` marks a register's ``subject_name`` or ``region`` (区县) column, so that a hit on a subject
can name it and place it.

`personal` marks a column holding a personal identifier (``id_number`` 身份证号, ``phone`` 电话号码): its values are
masked wherever they are shown (hit lists, evidence, previews, the API) unless revealed with a reason.
"""
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from qingshan.core.errors import ServiceError

from .catalog import COLUMN_TYPES, IDENTIFIER
from .sealing import BATCH_COLUMN

NUMERIC_TYPES = ("integer", "decimal", "double")
RANGED_TYPES = (*NUMERIC_TYPES, "date", "timestamp")
SPEC_KEYS = {"code", "name", "description", "key", "subject", "location", "columns", "parquet"}
COLUMN_KEYS = {"name", "type", "label", "required", "min", "max", "choices", "unit", "unit_from", "references", "role",
               "personal"}
PERSONAL_KINDS = {"id_number": "身份证号", "phone": "电话号码"}
CHOICE_KEYS = {"value", "label", "unit"}
ROLES = {"subject_name": "对象名称", "region": "所在区县"}


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


def _choices(raw, label: str) -> dict:
    """A column's choices normalised: ``choices`` (the stored codes) and, when given, ``choice_labels`` and
    ``choice_units`` by code; a label that is another entry's code or label would make an import ambiguous."""
    if not isinstance(raw, list) or not raw:
        raise ServiceError(f"字段“{label}”的可选值（choices）必须是非空列表。")
    codes: list[str] = []
    labels: dict[str, str] = {}
    units: dict[str, str] = {}
    for entry in raw:
        if isinstance(entry, dict):
            bad = sorted(set(entry) - CHOICE_KEYS)
            if bad:
                raise ServiceError(f"字段“{label}”的可选值中有无法识别的项：{'、'.join(map(str, bad))}。")
            code = str(entry.get("value") if entry.get("value") is not None else "").strip()
            if not code:
                raise ServiceError(f"字段“{label}”的可选值缺少代码（value）。")
            if str(entry.get("label") or "").strip():
                labels[code] = str(entry["label"]).strip()
            if str(entry.get("unit") or "").strip():
                units[code] = str(entry["unit"]).strip()
        else:
            code = str(entry)
        if code in codes:
            raise ServiceError(f"字段“{label}”的可选值“{code}”重复。")
        codes.append(code)
    names = list(labels.values())
    for code, text in labels.items():
        if names.count(text) > 1 or (text in codes and text != code):
            raise ServiceError(f"字段“{label}”的可选值中文名“{text}”重复或与其他代码相同。")
    extra = {"choice_labels": labels} if labels else {}
    return {"choices": codes} | extra | ({"choice_units": units} if units else {})


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
        if col == BATCH_COLUMN:
            raise ServiceError(f"字段名“{col}”为系统保留（记录每行所属的导入批次），请换一个名称。")
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
            column |= _choices(raw["choices"], label)
        if str(raw.get("unit") or "").strip():
            column["unit"] = str(raw["unit"]).strip()
        if raw.get("references") is not None:
            column["references"] = _identifier(raw["references"], f"字段“{label}”引用的数据集代码")
        for key in ("unit_from", "role"):
            if raw.get(key) is not None:
                column[key] = str(raw[key])
        if column.get("role") and column["role"] not in ROLES:
            raise ServiceError(f"字段“{label}”的用途（role）只能是 {'、'.join(ROLES)}。")
        if raw.get("personal") is not None:
            if raw["personal"] not in PERSONAL_KINDS:
                raise ServiceError(f"字段“{label}”的个人信息类别（personal）只能是 "
                                   f"{'、'.join(PERSONAL_KINDS)}。")
            if logical_type != "string":
                raise ServiceError(f"字段“{label}”标记为个人信息，类型必须是 string。")
            column["personal"] = raw["personal"]
        columns.append(column)
    names = [c["name"] for c in columns]
    for column in columns:
        source = next((c for c in columns if c["name"] == column.get("unit_from")), None)
        if column.get("unit_from") and (source is None or not source.get("choice_units")):
            raise ServiceError(f"字段“{column['label']}”的单位来源“{column['unit_from']}”不是带单位的可选值字段。")
    for role, what in ROLES.items():
        if sum(c.get("role") == role for c in columns) > 1:
            raise ServiceError(f"数据集“{code}”只能有一个{what}字段（role: {role}）。")

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
