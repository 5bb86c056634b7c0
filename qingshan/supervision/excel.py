"""Excel import of supervision items and indicator readings (.xlsx only): every row and column is checked first,
then all rows are written in one transaction through the services — all rows or none — with a Chinese error report
("第3行“报送周期”：……")."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from qingshan.access import supervision as access
from qingshan.core import excel_import
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.excel_import import ONLY_XLSX, CellError, Column, ImportRejected
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation

from . import services
from .choices import Cadence

__all__ = ["ONLY_XLSX", "ImportRejected", "IMPORTS", "ITEMS", "READINGS", "read_rows", "template_bytes"]

MAX_BYTES = 5 * 1024 * 1024
_text = excel_import.text
_date = excel_import.date


# ---------------------------------------------------------------- cell parsers


def _optional_text(value) -> str:
    return _text(value, required=False)


def _long_text(value) -> str:
    return _text(value, max_length=5000)


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
    return excel_import.choice(value, _CADENCES)


def _names(value) -> list[str]:
    return excel_import.names(value)


# ---------------------------------------------------------------- specs


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
    return excel_import.template_bytes(spec.title[2:], spec.columns)


def read_rows(spec: ImportSpec, upload) -> list[tuple[int, dict]]:
    """Parse and check every row of the upload's first sheet; raises ImportRejected with every problem found."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ImportRejected([ONLY_XLSX.format(name=name)])
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportRejected([f"文件超过 {MAX_BYTES // 1024 // 1024} MB 的上限，请拆分后导入。"])
    return excel_import.read_rows(upload.read(), name, spec.columns, max_rows=spec.max_rows)
