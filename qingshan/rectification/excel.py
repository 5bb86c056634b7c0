"""Excel import of a campaign's inspection-feedback items (.xlsx only): every row and column is checked first, then
all rows are written in one transaction through the services — all rows or none — with a Chinese error report
("第3行“整改期限”：……")."""
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from openpyxl import Workbook

from qingshan.core.errors import ServiceError
from qingshan.core.spreadsheets import SpreadsheetRefused, first_sheet_rows
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region

from . import services
from .choices import Action, Horizon
from .models import Campaign

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ERRORS = 50
NOT_XLSX = "“{name}”不是有效的 Excel（.xlsx）文件，请用 Excel 打开后另存为 .xlsx 再导入。"
ONLY_XLSX = "仅接受 .xlsx 格式的 Excel 文件，“{name}”不是。CSV、.xls 文件请先用 Excel 另存为 .xlsx。"


class ImportRejected(Exception):
    """The file was refused; `errors` says why, in Chinese. Nothing was changed."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


class CellError(Exception):
    pass


def _text(value, *, required: bool = True, max_length: int = 200) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CellError("不能为空")
    if len(text) > max_length:
        raise CellError(f"不能超过{max_length}个字")
    return text


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        day = dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError as exc:
        raise CellError(f"应为日期（如 2026-12-31），实际为“{text}”") from exc
    if not 2000 <= day.year <= 2099:
        raise CellError("日期须在 2000-01-01 至 2099-12-31 之间")
    return day


_HORIZONS = {"短期": Horizon.SHORT, "中期": Horizon.MEDIUM, "长期": Horizon.LONG}


def _horizon(value) -> str:
    text = _text(value)
    if text not in _HORIZONS:
        raise CellError(f"应为{'、'.join(_HORIZONS)}之一，实际为“{text}”")
    return _HORIZONS[text]


def _names(value) -> list[str]:
    text = _text(value, required=False, max_length=1000)
    return [n.strip() for n in text.replace("，", "、").replace(",", "、").split("、") if n.strip()]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Callable
    example: object = ""


COLUMNS = (
    Column("整改事项", "title", _text, "某化工园区土壤及地下水污染修复不到位"),
    Column("督察反馈问题", "feedback", lambda v: _text(v, max_length=5000),
           "督察发现园区土壤及地下水修复进度滞后，部分点位超标。"),
    Column("所在区划", "region", _text, "绿水区"),
    Column("牵头责任单位", "lead_unit", _text, "市生态环境局"),
    Column("配合单位", "co_units", _names, "市水务局、绿水区住建局"),
    Column("整改时限类型", "horizon", _horizon, "短期"),
    Column("整改期限", "deadline", _date, dt.date(2026, 12, 31)),
)
HEADERS = [c.header for c in COLUMNS]
TEMPLATE_NAME = "督察反馈问题导入模板.xlsx"


def template_bytes() -> bytes:
    """An .xlsx with the header row and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "督察反馈问题"
    sheet.append(HEADERS)
    sheet.append([c.example for c in COLUMNS])
    for i, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(14, len(c.header) * 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_rows(data: bytes, name: str) -> list[tuple[int, dict]]:
    """Parse and check every row of the first sheet; raises ImportRejected with every problem found."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([NOT_XLSX.format(name=name)])
    try:
        with first_sheet_rows(io.BytesIO(data)) as sheet:
            return _parse(sheet.rows)
    except ImportRejected:
        raise
    except SpreadsheetRefused as exc:
        raise ImportRejected([str(exc)]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged package; the user needs one answer
        raise ImportRejected([NOT_XLSX.format(name=name)]) from exc


def _parse(rows) -> list[tuple[int, dict]]:
    header = next(rows, None)
    actual = [("" if v is None else str(v).strip()) for v in (header or [])]
    while actual and not actual[-1]:
        actual.pop()
    if not actual:
        raise ImportRejected(["文件中没有表头和数据，请使用导入模板。"])
    if actual != HEADERS:
        missing = [h for h in HEADERS if h not in actual]
        extra = [h for h in actual if h not in HEADERS]
        detail = ([f"缺少列“{'、'.join(missing)}”"] if missing else []) + (
            [f"多出列“{'、'.join(extra)}”"] if extra else []) or ["列的顺序与模板不一致"]
        raise ImportRejected([f"第1行表头不正确：{'，'.join(detail)}。应为：{'、'.join(HEADERS)}。"])
    parsed, errors = [], []
    for number, values in enumerate(rows, start=2):
        values = list(values or ())
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        if len(parsed) >= MAX_ROWS:
            raise ImportRejected([f"文件超过 {MAX_ROWS} 行数据的上限，请拆分后分批导入。"])
        row = {}
        for i, column in enumerate(COLUMNS):
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


def import_items(*, actor, campaign: Campaign, data: bytes, name: str) -> int:
    """Check and import every row as an item of `campaign`, all or none; the number imported."""
    rows = read_rows(data, name)
    units = {}
    for org in Organisation.objects.filter(kind=OrgKind.UNIT, is_active=True):
        units[org.name] = org
        if org.short_name:
            units.setdefault(org.short_name, org)
    regions = {r.name: r for r in Region.objects.all()}
    with transaction.atomic():
        for number, row in rows:
            try:
                region = regions.get(row["region"])
                if region is None:
                    raise ServiceError(f"“所在区划”：未找到“{row['region']}”。")
                lead = units.get(row["lead_unit"])
                if lead is None:
                    raise ServiceError(f"“牵头责任单位”：未找到责任单位“{row['lead_unit']}”。")
                missing = [n for n in row["co_units"] if n not in units]
                if missing:
                    raise ServiceError(f"“配合单位”：未找到“{'、'.join(missing)}”。")
                services.item_create(actor=actor, campaign=campaign, title=row["title"], feedback=row["feedback"],
                                     region=region, lead_unit=lead, co_units=[units[n] for n in row["co_units"]],
                                     horizon=row["horizon"], deadline=row["deadline"], action=Action.IMPORT)
            except ServiceError as exc:
                raise ImportRejected([f"第{number}行：{exc.message}（未导入任何数据）"]) from exc
    return len(rows)
