"""All-or-nothing Excel imports (.xlsx only): the template, the bounded read of the first sheet, the header check and
the cell parsers, shared by every import (supervision items and readings, rectification feedback items).

Every row and column is checked before anything is written, and every problem found is reported in Chinese
("第3行“整改期限”：……"), at most MAX_ERRORS of them; the caller then writes all rows in one transaction.
"""
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .spreadsheets import SpreadsheetRefused, first_sheet_rows

NOT_XLSX = "“{name}”不是有效的 Excel（.xlsx）文件，请用 Excel 打开后另存为 .xlsx 再导入。"
ONLY_XLSX = "仅接受 .xlsx 格式的 Excel 文件，“{name}”不是。CSV、.xls 文件请先用 Excel 另存为 .xlsx。"
MAX_ERRORS = 50  # a report longer than this helps nobody; the count of the rest is given


class ImportRejected(Exception):
    """The file was refused; `errors` says why, in Chinese. Nothing was changed."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


class CellError(Exception):
    """One cell's value is wrong; the message completes “第N行“列名”：……”."""


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Callable[[object], object]
    example: object = ""


# ---------------------------------------------------------------- cell parsers


def text(value, *, required: bool = True, max_length: int = 300) -> str:
    result = "" if value is None else str(value).strip()
    if required and not result:
        raise CellError("不能为空")
    if len(result) > max_length:
        raise CellError(f"不能超过{max_length}个字")
    return result


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        written = text(value)
        try:
            day = dt.date.fromisoformat(written.replace("/", "-"))
        except ValueError as exc:
            raise CellError(f"应为日期（如 2026-12-31），实际为“{written}”") from exc
    if not 2000 <= day.year <= 2099:
        raise CellError("日期须在 2000-01-01 至 2099-12-31 之间")
    return day


def names(value, *, required: bool = True) -> list[str]:
    """A list of names separated by 、 or a comma (full-width or not)."""
    written = text(value, required=required, max_length=1000)
    return [n.strip() for n in written.replace("，", "、").replace(",", "、").split("、") if n.strip()]


def choice(value, options: Mapping[str, str]) -> str:
    """One of the Chinese labels in `options` (label → stored value)."""
    written = text(value)
    if written not in options:
        raise CellError(f"应为{'、'.join(options)}之一，实际为“{written}”")
    return options[written]


# ---------------------------------------------------------------- files


def template_bytes(sheet_title: str, columns: Iterable[Column]) -> bytes:
    """An .xlsx with the header row and one example row."""
    columns = list(columns)
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = sheet_title
    sheet.append([c.header for c in columns])
    sheet.append([c.example for c in columns])
    for i, c in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, len(c.header) * 2 + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_rows(data: bytes, name: str, columns: tuple[Column, ...], *, max_rows: int) -> list[tuple[int, dict]]:
    """Parse and check every row of the first sheet against `columns`: the rows as (row number, values by key), or
    ImportRejected with every problem found."""
    if not data:
        raise ImportRejected(["文件为空。"])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([NOT_XLSX.format(name=name)])
    try:
        with first_sheet_rows(io.BytesIO(data)) as sheet:
            return _parse(sheet.rows, columns, max_rows)
    except ImportRejected:
        raise
    except SpreadsheetRefused as exc:
        raise ImportRejected([str(exc)]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged package; the user needs one answer
        raise ImportRejected([NOT_XLSX.format(name=name)]) from exc


def _parse(rows, columns: tuple[Column, ...], max_rows: int) -> list[tuple[int, dict]]:
    expected = [c.header for c in columns]
    header = next(rows, None)
    actual = [("" if v is None else str(v).strip()) for v in (header or [])]
    while actual and not actual[-1]:
        actual.pop()
    if not actual:
        raise ImportRejected(["文件中没有表头和数据，请使用导入模板。"])
    if actual != expected:
        missing = [h for h in expected if h not in actual]
        extra = [h for h in actual if h not in expected]
        detail = ([f"缺少列“{'、'.join(missing)}”"] if missing else []) + (
            [f"多出列“{'、'.join(extra)}”"] if extra else []) or ["列的顺序与模板不一致"]
        raise ImportRejected([f"第1行表头不正确：{'，'.join(detail)}。应为：{'、'.join(expected)}。"])
    parsed: list[tuple[int, dict]] = []
    errors: list[str] = []
    for number, values in enumerate(rows, start=2):
        values = list(values or ())
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        if len(parsed) >= max_rows:
            raise ImportRejected([f"文件超过 {max_rows} 行数据的上限，请拆分后分批导入。"])
        row = {}
        for i, column in enumerate(columns):
            try:
                row[column.key] = column.parse(values[i] if i < len(values) else None)
            except CellError as exc:
                errors.append(f"第{number}行“{column.header}”：{exc}。")
        parsed.append((number, row))
    if not parsed:
        raise ImportRejected(["文件中没有数据行。"])
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"另有 {len(errors) - MAX_ERRORS} 处错误未列出。")
        raise ImportRejected(shown)
    return parsed
