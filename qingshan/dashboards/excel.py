"""The KPI table as an Excel workbook: the same columns as the page, rates with their numerator and denominator."""
import io
from dataclasses import replace

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from qingshan.core.tables import BOLD, HEADER_FILL, TITLE, Column, inert_row

from .definitions import GENERAL_NOTES, condition_label, kpi_definitions
from .overview_page import Overview, value_text
from .selectors import GROUP_BY_LABELS, KpiRow
from .tables import COLUMNS, RATES, Filters, count_column


def _period_text(filters: Filters) -> str:
    start = filters.received_from.isoformat() if filters.received_from else "不限"
    end = filters.received_to.isoformat() if filters.received_to else "不限"
    return (f"统计维度：{GROUP_BY_LABELS[filters.group_by]}　受理日期：{start} 至 {end}　"
            f"统计截止日：{filters.as_of.isoformat()}")


def _sheet_columns() -> list[Column]:
    """The page's columns, each rate followed by its numerator and denominator (so a reader can check it)."""
    columns = []
    for column in COLUMNS:
        columns.append(column)
        if column.kind == "rate":
            rate = RATES[column.key]
            for part, condition in (("分子", rate.numerator), ("分母", rate.denominator)):
                columns.append(replace(count_column(condition),
                                       label=f"{rate.label}{part}：{condition_label(condition)}"))
    return columns


def _value(row: KpiRow, column: Column):
    return row.rates[column.key] if column.kind == "rate" else row.counts[column.key]


def kpi_workbook(rows: list[KpiRow], filters: Filters) -> bytes:
    """An .xlsx of the KPI rows (total last) with a sheet of definitions."""
    book = Workbook()
    sheet = book.active
    sheet.title = "考核指标"
    sheet.append(["问题办理情况统计"])
    sheet["A1"].font = TITLE
    sheet.append(inert_row(sheet, [_period_text(filters)]))
    columns = _sheet_columns()
    sheet.append([GROUP_BY_LABELS[filters.group_by], *(column.label for column in columns)])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(inert_row(sheet, [row.label, *(_value(row, column) for column in columns)]))
        label_cell, *cells = sheet[sheet.max_row]
        for cell, column in zip(cells, columns, strict=True):
            cell.number_format = column.number_format
            if column.kind == "rate" and cell.value is None:
                cell.value = "—"
        if row.is_total:
            for cell in (label_cell, *cells):
                cell.font = BOLD
    sheet.column_dimensions["A"].width = 22
    for index, column in enumerate(columns, start=2):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
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


def overview_workbook(overview: Overview) -> bytes:
    """一图总览's figures as an .xlsx: the figures, every measure by district, the months and the splits."""
    scope = overview.scope
    book = Workbook()
    sheet = book.active
    sheet.title = "总体指标"
    start = scope.received_from.isoformat() if scope.received_from else "不限"
    end = scope.received_to.isoformat() if scope.received_to else "不限"
    sheet.append(["一图总览"])
    sheet["A1"].font = TITLE
    sheet.append(inert_row(sheet, [f"受理日期：{start} 至 {end}　统计截止日：{scope.as_of.isoformat()}"]))

    def header(target, values):
        target.append(values)
        for cell in target[target.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL

    header(sheet, ["指标", "数值", "分子", "分母"])
    for card in overview.cards:
        row = [card.label, card.figure.text]
        if card.kind == "rate":
            row += [card.numerator.text, card.denominator.text]
        sheet.append(inert_row(sheet, row))
    sheet.column_dimensions["A"].width = 20

    by_district = book.create_sheet("分区县")
    header(by_district, ["区县", *(m.label for m in overview.measures)])
    for region in overview.all_districts:
        by_district.append(inert_row(by_district, [region.name, *(
            value_text(m, overview.values[m.key].get(region.path)) for m in overview.measures)]))
    by_district.column_dimensions["A"].width = 14

    months = book.create_sheet("按月趋势")
    header(months, ["受理月份", "受理数", "超期数", "办结数"])
    for month in overview.months:
        months.append([month["label"], month["received"], month["overdue"], month["closed"]])

    for title, rows in (("按来源", overview.sources), ("按类别", overview.categories)):
        split = book.create_sheet(title)
        header(split, [title[1:], "受理数"])
        for piece in rows:
            split.append(inert_row(split, [piece["name"], piece["count"]]))
        split.column_dimensions["A"].width = 24

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
