"""The one way an uploaded .xlsx is read: bounded before and while it is parsed.

A few hundred KB of zip can hold gigabytes of sheet XML (a decompression bomb), millions of blank rows, or a
`<dimension>` that makes openpyxl pad every row to 16,384 cells. So the package is inspected before openpyxl sees a
sheet (declared uncompressed size, compression ratio, no DTDs), every sheet's XML is scanned as a byte stream
(its `<dimension>`, rows, columns and cells against a budget), and the first sheet's rows are then handed out
under the same budget and a time limit. Every refusal is a Chinese sentence naming the limit that was hit.

Every spreadsheet import (data sets, supervision items and readings) calls `first_sheet_rows()` exactly once, so
moving the read into a worker process (the durable job queue) is a change at those call sites only.
"""
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import ARC_CONTENT_TYPES, _find_workbook_part  # type: ignore[attr-defined]
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.utils import column_index_from_string
from openpyxl.xml.functions import fromstring

SCAN_CHUNK = 1024 * 1024
# Members smaller than this are not judged by their compression ratio (tiny XML parts compress very well).
RATIO_FLOOR_BYTES = 1024 * 1024
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # some producers write <x:row>, <x:c>
_ROW = re.compile(rb"<" + _PREFIX + rb"row[\s/>]")
_ROW_NUMBER = re.compile(rb"<" + _PREFIX + rb"row\s[^>]*?\br=\"(\d+)\"")
_CELL = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_WIDE_REF = re.compile(rb'r="([A-Z]{2,})\d')  # a cell reference past column Z
_DIMENSION = re.compile(rb"<" + _PREFIX + rb"dimension\s[^>]*?\bref=\"([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?\"")


class SpreadsheetRefused(Exception):
    """The spreadsheet exceeds a limit; the message says which, in Chinese. Nothing has been read into the app."""


@dataclass(frozen=True)
class Limits:
    """What one spreadsheet read may cost; defaults come from settings (QINGSHAN_SPREADSHEET_* variables)."""

    max_uncompressed_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 200
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cells: int = 20_000_000
    max_seconds: float = 180.0

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(**getattr(settings, "SPREADSHEET_LIMITS", {}))


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


class _Budget:
    """Counts what has been read against the limits; refuses as soon as one is passed."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.scanned_cells = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetRefused(f"读取 Excel 文件超过 {self.limits.max_seconds:g} 秒的时间上限，已停止读取。"
                                     "请删除多余的空行、空列和格式后重新导入，或拆分为多个文件。")

    def check_rows(self, rows: int) -> None:
        if rows > self.limits.max_rows:
            raise SpreadsheetRefused(f"Excel 工作表超过 {self.limits.max_rows:,} 行的上限（含空行），已停止读取。"
                                     "请删除多余的空行或拆分为多个文件后重新导入。")

    def check_columns(self, columns: int) -> None:
        if columns > self.limits.max_columns:
            raise SpreadsheetRefused(f"Excel 工作表超过 {self.limits.max_columns} 列的上限（含空列），已停止读取。"
                                     "请删除多余的空列后重新导入。")

    def check_cells(self, cells: int) -> None:
        if cells > self.limits.max_cells:
            raise SpreadsheetRefused(f"Excel 工作表超过 {self.limits.max_cells:,} 个单元格的上限（含空单元格），"
                                     "已停止读取。请删除多余的空行、空列或拆分为多个文件后重新导入。")


def _inspect_package(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a package whose declared sizes are too large or too compressed (zipfile never inflates a member past
    its declared size: it stops and reports a bad CRC, so the declared sizes bound what can be read)."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise SpreadsheetRefused(
                f"Excel 文件中“{info.filename}”的压缩比超过 {limits.max_ratio} 倍的上限（解压后 "
                f"{_megabytes(info.file_size)}），疑似压缩炸弹，已拒绝读取。")
    if total > limits.max_uncompressed_bytes:
        raise SpreadsheetRefused(f"Excel 文件解压后共 {_megabytes(total)}，超过 "
                                 f"{_megabytes(limits.max_uncompressed_bytes)} 的上限，已拒绝读取。"
                                 "请删除多余的空行、空列和格式，或拆分为多个文件后重新导入。")


def _column_number(letters: bytes | str) -> int:
    """1 for A; a number past any limit for letters beyond Excel's last column."""
    letters = letters.decode() if isinstance(letters, bytes) else letters
    return column_index_from_string(letters) if 0 < len(letters) <= 3 else 1 << 20


def _worksheet_paths(archive: zipfile.ZipFile) -> list[str]:
    """The package paths of the workbook's worksheets, found as openpyxl finds them (only small parts are read)."""
    package = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # type: ignore[arg-type]
    parser = WorkbookParser(archive, _find_workbook_part(package).PartName[1:])
    parser.parse()
    return [rel.target for _sheet, rel in parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in archive.NameToInfo]


def _count(data: bytes, name: bytes, pattern: re.Pattern) -> int:
    """How many <name> tags `data` holds; bytes.count is far faster than a pattern, which only prefixed tags need."""
    if b":" + name in data:
        return len(pattern.findall(data))
    return sum(data.count(b"<" + name + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))


def _scan_sheet(stream: IO[bytes], budget: _Budget) -> None:
    """Scan a sheet's XML as bytes, without parsing it: its <dimension>, rows, widest column and cells."""
    rows = last_row = 0
    tail = b""
    before_data = True
    while chunk := stream.read(SCAN_CHUNK):
        budget.check_time()
        # Keep an unfinished tag for the next chunk so no tag is split between two scans (no real tag is 1 MB long).
        data = tail + chunk
        cut = data.rfind(b"<")
        data, tail = (data[:cut], data[cut:]) if cut > data.rfind(b">") else (data, b"")
        tail = tail if len(tail) < SCAN_CHUNK else b""
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise SpreadsheetRefused("Excel 工作表中含有文档类型定义（DTD），这不是 Excel 生成的文件，已拒绝读取。")
        if before_data:
            before_data = b"sheetData" not in data
            if (dimension := _DIMENSION.search(data)) is not None:
                # openpyxl pads every row to the dimension's last column and trusts its last row.
                end_column = dimension.group(3) or dimension.group(1)
                end_row = int(dimension.group(4) or dimension.group(2) or 0)
                columns = _column_number(end_column) if end_column else 0
                budget.check_rows(end_row)
                budget.check_columns(columns)
                budget.check_cells(end_row * columns)
        rows += _count(data, b"row", _ROW)
        last_tag = max(data.rfind(b"<row "), data.rfind(b":row "))  # the chunk's last row opening tag
        if last_tag >= 0 and (found := _ROW_NUMBER.match(data, data.rfind(b"<", 0, last_tag + 1))) is not None:
            last_row = max(last_row, int(found.group(1)))
        budget.check_rows(max(rows, last_row))
        budget.scanned_cells += _count(data, b"c", _CELL)  # over all sheets: openpyxl sizes each one when opening
        budget.check_cells(budget.scanned_cells)
        for letters in set(_WIDE_REF.findall(data)):
            budget.check_columns(_column_number(letters))


def _bounded(rows: Iterator[tuple], budget: _Budget) -> Iterator[tuple]:
    """openpyxl's rows under the same budget (it pads rows to the sheet's width and yields gaps as empty rows)."""
    cells = 0
    for count, row in enumerate(rows, start=1):
        budget.check_rows(count)
        budget.check_columns(len(row))
        cells += len(row)
        budget.check_cells(cells)
        if count % 1000 == 0:
            budget.check_time()
        yield row


@dataclass
class Sheet:
    """The first worksheet being read: its rows (tuples of cell values) and the last row its dimension declares."""

    rows: Iterator[tuple]
    max_row: int


@contextmanager
def first_sheet_rows(source: str | Path | IO[bytes], limits: Limits | None = None) -> Iterator[Sheet]:
    """The first worksheet of an .xlsx file at a path or in a binary file object, read within `limits` (settings
    by default). SpreadsheetRefused names the limit passed; a damaged package raises what zipfile/openpyxl raise
    (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError), for the caller's own message."""
    if isinstance(source, str | Path):
        # Opened here so that the file's name does not matter (openpyxl refuses paths not ending in .xlsx).
        with open(source, "rb") as handle, first_sheet_rows(handle, limits) as sheet:
            yield sheet
        return
    limits = limits or Limits.from_settings()
    budget = _Budget(limits)
    with zipfile.ZipFile(source) as archive:
        _inspect_package(archive, limits)
        # Every worksheet, not only the first: opening a workbook makes openpyxl read each sheet that has no
        # <dimension> to its end.
        for path in _worksheet_paths(archive):
            with archive.open(path) as stream:
                _scan_sheet(stream, budget)
    source.seek(0)
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise KeyError("no worksheet")
        first = workbook.worksheets[0]
        yield Sheet(rows=_bounded(first.iter_rows(values_only=True), budget), max_row=first.max_row or 0)
    finally:
        workbook.close()
