"""The import template of a data set: an .xlsx file whose first row is the header, with the schema on a 2nd sheet."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from qingshan.core.tables import inert_row

from .vocabulary import choices_shown

TYPE_LABELS = {"string": "文本", "integer": "整数", "decimal": "数字（精确）", "double": "数字", "date": "日期",
               "timestamp": "时间", "boolean": "是/否"}


def import_template(dataset) -> bytes:
    """An .xlsx with the data set's Chinese column labels as header row and a 字段说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append(inert_row(sheet, [c["label"] for c in dataset.columns]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = workbook.create_sheet("字段说明")
    notes.append(["中文名", "字段名", "类型", "必填", "下限", "上限", "可选值"])
    for c in dataset.columns:
        notes.append(inert_row(notes, [c["label"], c["name"], TYPE_LABELS[c["type"]],
                      "是" if c["required"] or c["name"] in dataset.key else "否",
                      c.get("min", ""), c.get("max", ""), choices_shown(c, limit=len(c.get("choices") or []))]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
