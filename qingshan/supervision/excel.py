"""Excel import of supervision items and indicator readings (.xlsx only): every row and column is checked first,
then all rows are written in one transaction through the services — all rows or none — with a Chinese error report
("第3行“报送周期”：……")."""
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from openpyxl import Workbook

from qingshan.access import supervision as access
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.spreadsheets import SpreadsheetRefused, first_sheet_rows
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation

from . import services
from .choices import Cadence

MAX_BYTES = 5 * 1024 * 1024
NOT_XLSX = "“{name}”不是有效的 Excel（.xlsx）文件，请用 Excel 打开后另存为 .xlsx 再导入。"
ONLY_XLSX = "仅接受 .xlsx 格式的 Excel 文件，“{name}”不是。CSV、.xls 文件请先用 Excel 另存为 .xlsx。"
MAX_ERRORS = 50  # a report longer than this helps nobody; the count of the rest is given


class ImportRejected(Exception):
    """The file was refused; `errors` says why, in Chinese. Nothing was changed."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


class CellError(Exception):
    pass


# ---------------------------------------------------------------- cell parsers


def _text(value, *, required=True, max_length=300) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CellError("不能为空")
    if len(text) > max_length:
        raise CellError(f"不能超过{max_length}个字")
    return text


def _optional_text(value) -> str:
    return _text(value, required=False)


def _long_text(value) -> str:
    return _text(value, max_length=5000)


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError as exc:
        raise CellError(f"应为日期（如 2026-03-31），实际为“{text}”") from exc


def _int(value, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    text = "" if value is None else str(value).strip()
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    raise CellError(f"应为 {low} 至 {high} 之间的整数，实际为“{text}”")


def _optional_int(low, high):
    def parse(value):
        return None if value in (None, "") else _int(value, low, high)
    return parse


def _decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    text = "" if value is None else str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"应为数字，实际为“{text}”") from exc
    if not number.is_finite():
        raise CellError(f"应为数字，实际为“{text}”")
    return number


_CADENCES = {label: value for value, label in Cadence.choices}


def _cadence(value) -> str:
    text = _text(value)
    if text not in _CADENCES:
        raise CellError(f"应为{'、'.join(_CADENCES)}之一，实际为“{text}”")
    return _CADENCES[text]


def _names(value) -> list[str]:
    text = _text(value)
    return [n.strip() for n in text.replace("，", "、").replace(",", "、").split("、") if n.strip()]


# ---------------------------------------------------------------- specs


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Callable
    example: object = ""


@dataclass(frozen=True)
class ImportSpec:
    title: str
    filename: str
    columns: tuple[Column, ...]
    max_rows: int
    write: Callable  # (actor, rows: list[(row number, dict)]) -> None; raises ServiceError with the row number

    def run(self, *, actor, upload) -> int:
        """Check and import `upload`; returns the number of rows imported, or raises ImportRejected."""
        rows = read_rows(self, upload)
        try:
            with transaction.atomic():
                self.write(actor, rows)
        except _RowFailed as exc:
            raise ImportRejected([f"第{exc.row}行：{exc.message}"]) from exc
        return len(rows)


class _RowFailed(Exception):
    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row, self.message = row, message


def _org_index(kinds) -> dict[str, Organisation]:
    index = {}
    for org in Organisation.objects.filter(kind__in=kinds, is_active=True).select_related("region", "parent"):
        index[org.name] = org
        if org.short_name:
            index.setdefault(org.short_name, org)
    return index


def _write_items(actor, rows) -> None:
    plans = {p.year: p for p in access.visible_plans(actor).select_related("commission__region")}
    offices = _org_index([OrgKind.OFFICE])
    assignees = _org_index([OrgKind.STATIONED_GROUP, OrgKind.COMMISSION])
    for n, r in rows:
        try:
            plan = plans.get(r["year"])
            if plan is None:
                raise ServiceError(f"“计划年度”：没有您可维护的{r['year']}年度监督计划。")
            office = offices.get(r["office"])
            if office is None:
                raise ServiceError(f"“牵头部室”：未找到“{r['office']}”。")
            missing = [name for name in r["assignees"] if name not in assignees]
            if missing:
                raise ServiceError(f"“承办监督主体”：未找到“{'、'.join(missing)}”。")
            item = services.item_create(
                actor=actor, plan=plan, title=r["title"], content=r["content"], basis=r["basis"], office=office,
                cadence=r["cadence"], custom_days=r["custom_days"], period_start=r["period_start"],
                period_end=r["period_end"], due_days=r["due_days"])
            services.item_assign(actor=actor, item=item, orgs=[assignees[name] for name in r["assignees"]])
        except ServiceError as exc:
            raise _RowFailed(n, exc.message) from exc


def _write_readings(actor, rows) -> None:
    for n, r in rows:
        try:
            try:
                indicator = access.access_indicator(actor, r["indicator"])
            except NotFound as exc:
                raise ServiceError(f"“指标编号”：未找到编号为{r['indicator']}的指标，或您无权录入。") from exc
            services.indicator_add_reading(actor=actor, indicator=indicator, value=r["value"], read_on=r["read_on"],
                                           source=r["source"], note=r["note"])
        except ServiceError as exc:
            raise _RowFailed(n, exc.message) from exc


ITEMS = ImportSpec(
    title="导入监督事项", filename="监督事项导入模板.xlsx", max_rows=2000, write=_write_items, columns=(
        Column("计划年度", "year", lambda v: _int(v, 2000, 2100), 2026),
        Column("监督事项", "title", lambda v: _text(v, max_length=200), "入河排污口整治监督"),
        Column("监督内容", "content", _long_text, "排污口排查、监测、溯源、整治进展"),
        Column("监督依据", "basis", _optional_text, "《中华人民共和国长江保护法》"),
        Column("牵头部室", "office", _text, "第一监督检查室"),
        Column("报送周期", "cadence", _cadence, "每月"),
        Column("自定义周期（天）", "custom_days", _optional_int(1, 366), ""),
        Column("起始日期", "period_start", _date, dt.date(2026, 1, 1)),
        Column("截止日期", "period_end", _date, dt.date(2026, 6, 30)),
        Column("报送时限（工作日）", "due_days", lambda v: _int(v, 0, 60), 5),
        Column("承办监督主体", "assignees", _names, "驻市生态环境局纪检监察组、绿水区纪委监委"),
    ))
READINGS = ImportSpec(
    title="导入指标读数", filename="指标读数导入模板.xlsx", max_rows=10000, write=_write_readings, columns=(
        Column("指标编号", "indicator", lambda v: _int(v, 1, 2**31 - 1), 1),
        Column("数值", "value", _decimal, "85.5"),
        Column("日期", "read_on", _date, dt.date(2026, 3, 1)),
        Column("数据来源", "source", lambda v: _text(v, required=False, max_length=100), "市生态环境局月报"),
        Column("说明", "note", _optional_text, ""),
    ))
IMPORTS = {"items": ITEMS, "readings": READINGS}


# ---------------------------------------------------------------- reading and writing files


def template_bytes(spec: ImportSpec) -> bytes:
    """An .xlsx with the header row and one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title[2:]
    ws.append([c.header for c in spec.columns])
    ws.append([c.example for c in spec.columns])
    for i, c in enumerate(spec.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(c.header) * 2 + 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@contextmanager
def _rows(upload) -> Iterator[Iterator[tuple]]:
    """The rows of the upload's first sheet, read within the spreadsheet limits (core/spreadsheets.py)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ImportRejected([ONLY_XLSX.format(name=name)])
    size = getattr(upload, "size", None)
    if size == 0:
        raise ImportRejected(["文件为空。"])
    if size is not None and size > MAX_BYTES:
        raise ImportRejected([f"文件超过 {MAX_BYTES // 1024 // 1024} MB 的上限，请拆分后导入。"])
    data = upload.read()
    if not data:
        raise ImportRejected(["文件为空。"])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([NOT_XLSX.format(name=name)])
    try:
        with first_sheet_rows(io.BytesIO(data)) as sheet:
            yield sheet.rows
    except (ImportRejected, CellError):
        raise
    except SpreadsheetRefused as exc:
        raise ImportRejected([str(exc)]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged package; the user needs one answer
        raise ImportRejected([NOT_XLSX.format(name=name)]) from exc


def read_rows(spec: ImportSpec, upload) -> list[tuple[int, dict]]:
    """Parse and check every row of the first sheet; raises ImportRejected with every problem found."""
    with _rows(upload) as rows:
        header = next(rows, None)
        expected = [c.header for c in spec.columns]
        actual = [("" if v is None else str(v).strip()) for v in (header or [])]
        while actual and not actual[-1]:
            actual.pop()
        if not actual:
            raise ImportRejected(["文件中没有表头和数据，请使用导入模板。"])
        if actual != expected:
            missing = [h for h in expected if h not in actual]
            extra = [h for h in actual if h not in expected]
            detail = []
            if missing:
                detail.append(f"缺少列“{'、'.join(missing)}”")
            if extra:
                detail.append(f"多出列“{'、'.join(extra)}”")
            if not detail:
                detail.append("列的顺序与模板不一致")
            raise ImportRejected([f"第1行表头不正确：{'，'.join(detail)}。应为：{'、'.join(expected)}。"])
        parsed, errors = [], []
        for number, values in enumerate(rows, start=2):
            values = list(values or ())
            if not any(v not in (None, "") and str(v).strip() for v in values):
                continue
            if len(parsed) >= spec.max_rows:
                raise ImportRejected([f"文件超过 {spec.max_rows} 行数据的上限，请拆分后分批导入。"])
            row = {}
            for i, column in enumerate(spec.columns):
                value = values[i] if i < len(values) else None
                try:
                    row[column.key] = column.parse(value)
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
