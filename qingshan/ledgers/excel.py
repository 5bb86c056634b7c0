"""A ledger as an .xlsx written row by row (openpyxl write-only mode), so memory stays flat at a million rows."""
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from qingshan.core.tables import BOLD, HEADER_FILL, TITLE, Column, inert_row


def write_ledger(path, *, title: str, subtitle: str, columns: tuple[Column, ...], rows: Iterable[tuple]) -> int:
    """Write `rows` (tuples of raw values, one per column) under a title row and Chinese headers; returns the count.

    Data cells are plain values, not styled cells: a style per cell would cost a lookup for each of millions of cells.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.number_format:
            dimension.number_format = column.number_format
    sheet.freeze_panes = "A4"

    def styled(value, font, fill=None):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    sheet.append([styled(title, TITLE)])
    sheet.append(inert_row(sheet, [subtitle]))
    sheet.append([styled(column.label, BOLD, HEADER_FILL) for column in columns])
    converters = [column.value for column in columns]
    count = 0
    for raw in rows:
        # openpyxl gives date and datetime values a date number format by itself (see Cell._bind_value).
        sheet.append(inert_row(sheet, [convert(value) for convert, value in zip(converters, raw, strict=True)]))
        count += 1
    book.save(path)
    return count
