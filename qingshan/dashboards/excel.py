"""The KPI table as an Excel workbook: the same columns as the page, rates with their numerator and denominator."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from qingshan.problems import kpis

from .definitions import GENERAL_NOTES, condition_label, kpi_definitions
from .selectors import GROUP_BY_LABELS, KpiRow
from .tables import COLUMNS, RATES, Filters

HEADER_FILL = PatternFill("solid", fgColor="EEF2F0")
BOLD = Font(bold=True)


def _period_text(filters: Filters) -> str:
    start = filters.received_from.isoformat() if filters.received_from else "不限"
    end = filters.received_to.isoformat() if filters.received_to else "不限"
    return (f"统计维度：{GROUP_BY_LABELS[filters.group_by]}　受理日期：{start} 至 {end}　"
            f"统计截止日：{filters.as_of.isoformat()}")


def _headers(filters: Filters) -> list[str]:
    headers = [GROUP_BY_LABELS[filters.group_by]]
    for column in COLUMNS:
        if column.kind == "count":
            headers.append(column.label)
        else:
            rate = RATES[column.key]
            headers += [rate.label, f"{rate.label}分子：{condition_label(rate.numerator)}",
                        f"{rate.label}分母：{condition_label(rate.denominator)}"]
    return headers


def _values(row: KpiRow) -> list:
    values: list = [row.label]
    for column in COLUMNS:
        if column.kind == "count":
            values.append(row.counts[column.key])
        else:
            rate = RATES[column.key]
            values += [row.rates[rate.key], row.counts[rate.numerator], row.counts[rate.denominator]]
    return values


def kpi_workbook(rows: list[KpiRow], filters: Filters) -> bytes:
    """An .xlsx of the KPI rows (total last) with a sheet of definitions."""
    book = Workbook()
    sheet = book.active
    sheet.title = "考核指标"
    sheet.append(["问题办理情况统计"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_period_text(filters)])
    headers = _headers(filters)
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    rate_columns = {i + 1 for i, h in enumerate(headers) if h in {r.label for r in kpis.RATES}}
    for row in rows:
        sheet.append(_values(row))
        for index, cell in enumerate(sheet[sheet.max_row], start=1):
            if index in rate_columns:
                cell.number_format = "0.0%"
                if cell.value is None:
                    cell.value = "—"
            elif index > 1:
                cell.number_format = "#,##0"
            if row.is_total:
                cell.font = BOLD
    sheet.column_dimensions["A"].width = 22
    for index in range(2, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)

    notes = book.create_sheet("口径说明")
    notes.append(["指标", "口径"])
    for cell in notes[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    rates, counts = kpi_definitions()
    for definition in [*rates, *counts]:
        notes.append([definition.label, definition.text])
    for note in GENERAL_NOTES:
        notes.append(["说明", note])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 100

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
