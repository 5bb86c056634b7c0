"""Excel import of a campaign's inspection-feedback items (.xlsx only): every row and column is checked first
(core/excel_import.py), then all rows are written in one transaction through the services — all rows or none — with a
Chinese error report ("第3行“整改期限”：……")."""
import datetime as dt

from django.db import transaction

from qingshan.core import excel_import
from qingshan.core.errors import ServiceError
from qingshan.core.excel_import import ONLY_XLSX, Column, ImportRejected
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region

from . import services
from .choices import Action, Horizon
from .models import Campaign

__all__ = ["ONLY_XLSX", "ImportRejected", "COLUMNS", "HEADERS", "import_items", "template_bytes"]

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

_HORIZONS = {"短期": Horizon.SHORT, "中期": Horizon.MEDIUM, "长期": Horizon.LONG}


def _horizon(value) -> str:
    return excel_import.choice(value, _HORIZONS)


COLUMNS = (
    Column("整改事项", "title", lambda v: excel_import.text(v, max_length=200), "某化工园区土壤及地下水污染修复不到位"),
    Column("督察反馈问题", "feedback", lambda v: excel_import.text(v, max_length=5000),
           "督察发现园区土壤及地下水修复进度滞后，部分点位超标。"),
    Column("所在区划", "region", excel_import.text, "绿水区"),
    Column("牵头责任单位", "lead_unit", excel_import.text, "市生态环境局"),
    Column("配合单位", "co_units", lambda v: excel_import.names(v, required=False), "市水务局、绿水区住建局"),
    Column("整改时限类型", "horizon", _horizon, "短期"),
    Column("整改期限", "deadline", excel_import.date, dt.date(2026, 12, 31)),
)
HEADERS = [c.header for c in COLUMNS]
TEMPLATE_NAME = "督察反馈问题导入模板.xlsx"


def template_bytes() -> bytes:
    """An .xlsx with the header row and one example row."""
    return excel_import.template_bytes("督察反馈问题", COLUMNS)


def import_items(*, actor, campaign: Campaign, data: bytes, name: str) -> int:
    """Check and import every row as an item of `campaign`, all or none; the number imported."""
    rows = excel_import.read_rows(data, name, COLUMNS, max_rows=MAX_ROWS)
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
