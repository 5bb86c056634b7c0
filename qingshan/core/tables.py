"""One column spec for every table a user reads: list pages, ledgers, KPI tables and their Excel exports.

A `Column` says what a cell is (key, Chinese label, kind), how the page shows it (`text`, `colour`) and how Excel
holds it (`value`, `number_format`, `width`), so a page and its export cannot drift apart.
"""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# The look of every exported sheet: a bold title, a shaded header row.
HEADER_FILL = PatternFill("solid", fgColor="EEF2F0")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)

# Excel number formats by column kind (text and choice cells need none).
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "count": "#,##0", "rate": "0.0%"}


def format_count(value: int) -> str:
    """1203 → "1,203"."""
    return f"{value:,}"


def format_rate(rate: Decimal | None) -> str:
    """A rate as a percentage with one decimal, rounded half up (as Excel does); "—" for no denominator."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Column:
    """One column: the same definition renders the page cell and the Excel cell."""

    key: str  # a field path or annotation name (as `values_list()` takes it), or a KPI condition or rate key
    label: str
    kind: str = "text"  # text | date | datetime | int | choice | count | rate
    choices: Mapping[str, str] | None = None  # value -> Chinese label, for kind "choice"
    width: int = 14  # Excel column width (characters)
    colours: Mapping[str, str] | None = None  # value -> Bootstrap colour, for a badge on the page

    @property
    def number_format(self) -> str | None:
        return NUMBER_FORMATS.get(self.kind)

    def value(self, raw):
        """The cell's value for Excel: dates as dates, datetimes local and naive (Excel has no time zones)."""
        if raw is None or raw == "":
            return None
        if self.kind == "choice":
            return (self.choices or {}).get(raw, raw)
        if self.kind == "date":
            return timezone.localtime(raw).date() if isinstance(raw, dt.datetime) else raw
        if self.kind == "datetime":
            return timezone.localtime(raw).replace(tzinfo=None, microsecond=0) if isinstance(raw, dt.datetime) else raw
        return raw

    def text(self, raw) -> str:
        """The cell as the page shows it."""
        if self.kind == "rate":
            return format_rate(raw)
        value = self.value(raw)
        if value is None:
            return "—"
        if self.kind == "count":
            return format_count(value)
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def colour(self, raw) -> str:
        return (self.colours or {}).get(raw, "") if self.colours else ""


def inert_row(sheet, values) -> list:
    """A row for `sheet.append` in which no text becomes a live formula.

    openpyxl stores a string that starts with "=" as a formula, so a problem titled `=HYPERLINK(…)` or a unit named
    `=1+1` would run in the reader's Excel (formula injection). Such a string is written as a text cell instead; every
    other value goes through as it is (a per-cell object for every value would cost a million-row export dearly).
    """
    return [_text_cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value
            for value in values]


def _text_cell(sheet, value: str) -> Cell:
    # A cell made for a sheet takes its place when appended (openpyxl sets its row and column then).
    cell = WriteOnlyCell(sheet, value=value) if isinstance(sheet, WriteOnlyWorksheet) else Cell(
        sheet, value=value)  # type: ignore[call-arg]
    cell.data_type = "s"
    return cell
