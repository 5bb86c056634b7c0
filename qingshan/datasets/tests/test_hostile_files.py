"""Files built to hurt the import: spreadsheet bombs and mixed encodings are refused, quickly, with a message naming
the problem, and nothing is imported (the table keeps exactly the rows it had)."""
import time

import pytest

from qingshan.core.testing.spreadsheets import blank_rows, empty_cells_bomb, oversize_dimension
from qingshan.datasets.choices import BatchStatus

from .conftest import GOOD_ROWS, HEADER
from .test_importing import LABEL_HEADER, imported, table_rows

COLUMNS = LABEL_HEADER.strip().split(",")


@pytest.mark.parametrize(("build", "message", "seconds"), [
    (lambda: empty_cells_bomb(COLUMNS), "压缩比超过 200 倍的上限（解压后 76 MB），疑似压缩炸弹，已拒绝读取。", 2),
    (lambda: blank_rows(COLUMNS, rows=1_100_000), "Excel 工作表超过 1,000,000 行的上限（含空行），已停止读取。", 8),
    (lambda: oversize_dimension(COLUMNS), "Excel 工作表超过 1,000,000 行的上限（含空行），已停止读取。", 2),
    (lambda: oversize_dimension(COLUMNS, "A1:XFD2"), "Excel 工作表超过 200 列的上限（含空列），已停止读取。", 2),
])
def test_spreadsheet_bombs_are_refused_quickly_and_import_nothing(world, water, build, message, seconds):
    imported(world, water, (HEADER + GOOD_ROWS).encode())
    before = table_rows(water)
    data = build()
    started = time.monotonic()
    batch = imported(world, water, data, name="炸弹.xlsx")
    assert time.monotonic() - started < seconds
    assert batch.status == BatchStatus.FAILED
    assert message in batch.error_summary
    assert table_rows(water) == before and water.row_count == 2


def mixed_utf8_then_gbk() -> bytes:
    """UTF-8 for well past the first 64 KB, then one line in GBK, then UTF-8 again."""
    utf8 = "".join(f"A{i:05d},青山桥,2026-03-01,1,1,I,1,1\n" for i in range(3000)).encode()
    assert len(utf8) > 64 * 1024
    return HEADER.encode() + utf8 + "G00001,绿水闸,2026-03-01,1,1,I,1,1\n".encode("gbk") + \
        "Z00001,青山桥,2026-03-01,1,1,I,1,1\n".encode()


def test_a_utf8_file_with_one_gbk_line_later_is_refused_at_that_line(world, water):
    imported(world, water, (HEADER + GOOD_ROWS).encode())
    before = table_rows(water)
    batch = imported(world, water, mixed_utf8_then_gbk())
    assert batch.status == BatchStatus.FAILED
    assert batch.error_summary.startswith("文件编码不一致：第 3002 行不是 UTF-8 编码（此前的内容是 UTF-8），"
                                          "文件可能混用了多种编码。"), batch.error_summary
    assert table_rows(water) == before


def test_a_gbk_file_with_one_utf8_line_later_is_refused(world, water):
    gbk = "".join(f"A{i:05d},青山桥,2026-03-01,1,1,I,1,1\n" for i in range(3000)).encode("gbk")
    content = HEADER.encode() + gbk + "Z00001,绿水闸站点,2026-03-01,1,1,I,1,1\n".encode()
    batch = imported(world, water, content)
    assert batch.status == BatchStatus.FAILED, table_rows(water)[-1]
    assert "第 3002 行" in batch.error_summary and "文件可能混用了多种编码" in batch.error_summary
    assert water.row_count == 0


@pytest.mark.parametrize(("encoding", "label"), [
    ("gbk", "GBK"), ("utf-8-sig", "UTF-8（带 BOM）"), ("gb18030", "GB18030"), ("utf-8", "UTF-8"),
])
def test_long_files_in_one_encoding_still_import(world, water, encoding, label):
    rows = "".join(f"A{i:05d},青山桥,2026-03-01,1,1,I,1,1\n" for i in range(3000))
    last = "Z00001,𠮷家湾,2026-03-01,1,1,I,1,1\n" if encoding != "gbk" else "Z00001,绿水闸,2026-03-01,1,1,I,1,1\n"
    batch = imported(world, water, (HEADER + rows + last).encode(encoding))
    assert (batch.status, batch.encoding, batch.row_count) == (BatchStatus.DONE, label, 3001), batch.error_summary
    assert table_rows(water)[-1][1] == last.split(",")[1]
