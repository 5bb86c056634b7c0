"""How a data set's values read in Chinese, from its schema's columns (see ``schema.py``): a choice's label and its
code, a value formatted for a page or a problem's text (是/否, units, one date style, numbers without float noise).

Pure functions over the stored column dicts, shared by imports (label → code) and every page or text that shows
rows (code → label), so both directions agree.
"""
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

EMPTY = "—"
TRUE_TEXTS = {"true", "t", "1", "yes", "y", "是"}
FALSE_TEXTS = {"false", "f", "0", "no", "n", "否"}
FLOAT_DIGITS = 6  # a double is shown to at most 6 decimals: enough for a reading, no binary noise


def choice_label(column: Mapping, value: object) -> str:
    """The Chinese label of a choice code (the code itself when the schema gives no label)."""
    text = "" if value is None else str(value)
    return (column.get("choice_labels") or {}).get(text, text)


def choice_codes_by_label(column: Mapping) -> dict[str, str]:
    """Label → code for a choice column (empty when its choices have no labels)."""
    return {label: code for code, label in (column.get("choice_labels") or {}).items()}


def choices_shown(column: Mapping, limit: int = 10) -> str:
    """The allowed values as a person would write them (labels where given), for a refusal message."""
    values = [choice_label(column, code) for code in column.get("choices") or []]
    return "、".join(values[:limit]) + ("等" if len(values) > limit else "")


def number_text(value: object) -> str:
    """A number as a person writes it: no trailing zeros of a DECIMAL(18,6), no binary float noise, no exponent."""
    if isinstance(value, float):
        value = round(value, FLOAT_DIGITS)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def date_text(value: object, logical_type: str = "date") -> str:
    """A date as 2026-03-05 and a time as 2026-03-05 08:00 (seconds only when not zero), whatever came in."""
    if isinstance(value, str):
        try:
            value = (dt.datetime.fromisoformat(value) if logical_type == "timestamp"
                     else dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if logical_type == "date":
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M:%S}" if value.second else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def boolean_text(value: object) -> str:
    text = str(value).strip().lower()
    if value is True or text in TRUE_TEXTS:
        return "是"
    if value is False or text in FALSE_TEXTS:
        return "否"
    return str(value)


def unit_of(column: Mapping, unit_column: Mapping | None = None, choice: object = None) -> str:
    """The unit of a column's value: its own, or that of the choice picked in its `unit_from` column (`unit_column`,
    whose value in the same row is `choice`): a reading of 氨氮 is in mg/L, one of 粪大肠菌群 in 个/L."""
    if column.get("unit"):
        return str(column["unit"])
    if unit_column is not None and choice is not None:
        return str((unit_column.get("choice_units") or {}).get(str(choice), ""))
    return ""


def format_value(column: Mapping | None, value: object, *, unit: str = "") -> str:
    """A stored value as a person reads it, by its column's type; `unit` appended to a number when given."""
    if value is None or value == "":
        return EMPTY
    if column is None:
        if isinstance(value, bool):
            return boolean_text(value)
        return number_text(value) if isinstance(value, int | float | Decimal) else str(value)
    logical_type = column.get("type")
    if logical_type == "boolean":
        return boolean_text(value)
    if logical_type in ("date", "timestamp"):
        return date_text(value, logical_type)
    if logical_type in ("integer", "decimal", "double"):
        text = number_text(value)
        return f"{text} {unit}" if unit else text
    if column.get("choices"):
        return choice_label(column, value)
    return str(value)
