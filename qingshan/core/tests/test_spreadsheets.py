"""The bounded spreadsheet read: hostile files are refused quickly, by the limit they pass, before openpyxl parses
them; ordinary files read as before."""
import io
import time

import pytest
from openpyxl import Workbook

from qingshan.core.spreadsheets import Limits, SpreadsheetRefused, first_sheet_rows
from qingshan.core.testing.spreadsheets import (
    blank_rows,
    empty_cells_bomb,
    header_row,
    oversize_dimension,
    xlsx_with_sheet,
)


def read(data: bytes, limits: Limits | None = None) -> list[tuple]:
    with first_sheet_rows(io.BytesIO(data), limits or Limits()) as sheet:
        return list(sheet.rows)


def refusal(data: bytes, limits: Limits | None = None, seconds: float = 5.0) -> str:
    started = time.monotonic()
    with pytest.raises(SpreadsheetRefused) as info:
        read(data, limits)
    assert time.monotonic() - started < seconds
    return str(info.value)


def test_an_ordinary_workbook_reads_its_first_sheet():
    workbook = Workbook()
    workbook.active.append(["断面编码", "化学需氧量"])
    workbook.active.append(["S01", 12.5])
    workbook.create_sheet("第二页").append(["不读"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with first_sheet_rows(io.BytesIO(buffer.getvalue())) as sheet:
        assert (list(sheet.rows), sheet.max_row) == ([("断面编码", "化学需氧量"), ("S01", 12.5)], 2)


def test_a_zip_bomb_of_empty_cells_is_refused_before_it_is_inflated():
    data = empty_cells_bomb(["a"])
    assert len(data) < 200 * 1024  # 76 MB of sheet XML
    assert refusal(data, seconds=1.0) == ("Excel 文件中“xl/worksheets/sheet1.xml”的压缩比超过 200 倍的上限（解压后 "
                                          "76 MB），疑似压缩炸弹，已拒绝读取。")


def test_the_uncompressed_size_is_bounded():
    data = xlsx_with_sheet([header_row(["a"])] + [b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                                                  for n in range(2, 30_000)])
    message = refusal(data, Limits(max_uncompressed_bytes=512 * 1024))
    assert message.startswith("Excel 文件解压后共 1 MB，超过 512 KB 的上限")


def test_a_million_blank_rows_are_refused_by_the_row_limit():
    assert refusal(blank_rows(["a", "b"], rows=1_100_000)) == (
        "Excel 工作表超过 1,000,000 行的上限（含空行），已停止读取。请删除多余的空行或拆分为多个文件后重新导入。")


@pytest.mark.parametrize(("ref", "message"), [
    ("A1:XFD1048576", "Excel 工作表超过 1,000,000 行的上限（含空行）"),
    ("A1:XFD3", "Excel 工作表超过 200 列的上限（含空列）"),
    ("A1:GR200000", "Excel 工作表超过 20,000,000 个单元格的上限（含空单元格）"),
])
def test_an_oversize_dimension_is_refused_before_openpyxl_pads_rows_to_it(ref, message):
    assert refusal(oversize_dimension(["a"], ref), seconds=1.0).startswith(message)


def test_cells_columns_and_time_are_bounded_while_streaming():
    wide = xlsx_with_sheet([header_row(["a"]), b'<row r="2"><c r="ZZ2"><v>1</v></c></row>'])
    assert refusal(wide).startswith("Excel 工作表超过 200 列的上限")
    # Cells without references: only the streamed read sees how wide the row is.
    unreferenced = xlsx_with_sheet([header_row(["a"]), b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>"])
    assert refusal(unreferenced).startswith("Excel 工作表超过 200 列的上限")
    many = xlsx_with_sheet([header_row(["a", "b"])] + [b"<row><c><v>1</v></c><c><v>2</v></c></row>"] * 600)
    assert refusal(many, Limits(max_cells=1000)).startswith("Excel 工作表超过 1,000 个单元格的上限")
    assert refusal(many, Limits(max_seconds=0)).startswith("读取 Excel 文件超过 0 秒的时间上限")


def test_a_document_type_definition_is_refused():
    entity = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
    data = xlsx_with_sheet([entity + header_row(["a"])])
    assert refusal(data).startswith("Excel 工作表中含有文档类型定义（DTD）")


def test_limits_come_from_settings(settings):
    settings.SPREADSHEET_LIMITS = {"max_rows": 3}
    data = xlsx_with_sheet([header_row(["a"])] + [b"<row><c><v>1</v></c></row>"] * 3)
    with pytest.raises(SpreadsheetRefused, match="超过 3 行的上限"), first_sheet_rows(io.BytesIO(data)) as sheet:
        list(sheet.rows)


def test_a_row_numbered_past_the_limit_is_refused_before_openpyxl_yields_the_gap():
    far = b'<row r="1000001" spans="1:3">' + b'<c r="A1000001" t="inlineStr"><is><t>x</t></is></c>' * 3 + b"</row>"
    assert refusal(xlsx_with_sheet([header_row(["a"]), far]), seconds=1.0).startswith(
        "Excel 工作表超过 1,000,000 行的上限")


def test_a_path_is_read_whatever_its_name(tmp_path):
    path = tmp_path / "upload.csv"  # an .xlsx uploaded under a CSV name is still read as the workbook it is
    path.write_bytes(xlsx_with_sheet([header_row(["a", "b"])]))
    with first_sheet_rows(path) as sheet:
        assert list(sheet.rows) == [("a", "b")]
