"""Excel import: good files import every row; bad files change nothing and say why, in Chinese."""
import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from qingshan.audit.models import AuditEvent
from qingshan.core.testing import spreadsheets
from qingshan.supervision import excel
from qingshan.supervision.models import IndicatorReading, ReportSlot, SupervisionItem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM_HEADER = [c.header for c in excel.ITEMS.columns]
READING_HEADER = [c.header for c in excel.READINGS.columns]


def xlsx(rows, name="导入.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def item_row(**overrides):
    values = {"计划年度": 2026, "监督事项": "黑臭水体整治监督", "监督内容": "整治进展", "监督依据": "",
              "牵头部室": "第一监督检查室", "报送周期": "每月", "自定义周期（天）": None,
              "起始日期": dt.date(2026, 1, 1), "截止日期": dt.date(2026, 3, 31), "报送时限（工作日）": 5,
              "承办监督主体": "驻市生态环境局纪检监察组、绿水区纪委监委"} | overrides
    return [values[h] for h in ITEM_HEADER]


def rejected(spec, actor, upload) -> list[str]:
    with pytest.raises(excel.ImportRejected) as info:
        spec.run(actor=actor, upload=upload)
    return info.value.errors


@pytest.fixture
def counts(sw):
    def snapshot():
        return (SupervisionItem.objects.count(), ReportSlot.objects.count(), IndicatorReading.objects.count(),
                AuditEvent.objects.count())
    return snapshot


def test_items_import_creates_items_assignments_and_slots(sw):
    w = sw
    custom = item_row(监督事项="秸秆禁烧", 报送周期="自定义",
                      **{"自定义周期（天）": 10, "承办监督主体": "驻市生态环境局纪检监察组"})
    count = excel.ITEMS.run(actor=w.officer, upload=xlsx([ITEM_HEADER, item_row(), custom]))
    assert count == 2
    first = SupervisionItem.objects.get(title="黑臭水体整治监督")
    assert first.slots.count() == 6  # 3 months × 2 assignees
    assert SupervisionItem.objects.get(title="秸秆禁烧").slots.count() == 9


def test_readings_import(sw):
    w = sw
    excel.READINGS.run(actor=w.officer, upload=xlsx([READING_HEADER, [w.indicator.pk, "12.5", "2026-02-01", "月报",
                                                                      None]]))
    w.indicator.refresh_from_db()
    assert w.indicator.latest_value == 12.5


def test_wrong_types_are_reported_per_row_and_column_and_nothing_changes(sw, counts):
    w = sw
    before = counts()
    errors = rejected(excel.ITEMS, w.officer, xlsx([ITEM_HEADER, item_row(), item_row(报送周期="每年"),
                                                    item_row(**{"起始日期": "下月", "报送时限（工作日）": "五"})]))
    assert errors == ["第3行“报送周期”：应为每周、每月、每季度、自定义之一，实际为“每年”。",
                      "第4行“起始日期”：应为日期（如 2026-12-31），实际为“下月”。",
                      "第4行“报送时限（工作日）”：应为 0 至 60 之间的整数，实际为“五”。"]
    assert counts() == before


def test_a_row_refused_by_the_service_rolls_back_the_rows_before_it(sw, counts):
    w = sw
    before = counts()
    errors = rejected(excel.ITEMS, w.officer, xlsx([ITEM_HEADER, item_row(), item_row(
        **{"起始日期": dt.date(2026, 5, 1), "截止日期": dt.date(2026, 4, 1)})]))
    assert errors == ["第3行：截止日期不能早于起始日期。"]
    errors = rejected(excel.ITEMS, w.officer, xlsx([ITEM_HEADER, item_row(**{"承办监督主体": "驻月球纪检监察组"})]))
    assert errors == ["第2行：“承办监督主体”：未找到“驻月球纪检监察组”。"]
    errors = rejected(excel.READINGS, w.officer, xlsx([READING_HEADER, [w.indicator.pk, 1, "2026-02-01"],
                                                       [w.indicator.pk, 2, "2026-12-01"]]))
    assert errors == ["第3行：读数日期不能晚于今天。"]
    errors = rejected(excel.READINGS, w.group_staff, xlsx([READING_HEADER, [w.indicator.pk, 1, "2026-02-01"]]))
    assert errors == [f"第2行：“指标编号”：未找到编号为{w.indicator.pk}的指标，或您无权录入。"]
    assert counts() == before


def test_wrong_columns(sw, counts):
    w = sw
    before = counts()
    header = [h for h in ITEM_HEADER if h != "报送周期"] + ["备注"]
    errors = rejected(excel.ITEMS, w.officer, xlsx([header, item_row()]))
    assert errors == [f"第1行表头不正确：缺少列“报送周期”，多出列“备注”。应为：{'、'.join(ITEM_HEADER)}。"]
    swapped = [READING_HEADER[1], READING_HEADER[0], *READING_HEADER[2:]]
    assert rejected(excel.READINGS, w.officer, xlsx([swapped]))[0].startswith("第1行表头不正确：列的顺序与模板不一致。")
    assert counts() == before


def test_gbk_csv_is_refused_with_a_clear_message(sw, counts):
    w = sw
    before = counts()
    data = ("指标编号,数值,日期\n1,85,2026-02-01\n").encode("gbk")
    errors = rejected(excel.READINGS, w.officer, SimpleUploadedFile("读数.csv", data, content_type="text/csv"))
    assert errors == ["仅接受 .xlsx 格式的 Excel 文件，“读数.csv”不是。CSV、.xls 文件请先用 Excel 另存为 .xlsx。"]
    # The same bytes renamed to .xlsx are still not an Excel file.
    errors = rejected(excel.READINGS, w.officer, SimpleUploadedFile("读数.xlsx", data, content_type=XLSX))
    assert errors == ["“读数.xlsx”不是有效的 Excel（.xlsx）文件，请用 Excel 打开后另存为 .xlsx 再导入。"]
    assert counts() == before


def test_empty_files(sw):
    w = sw
    assert rejected(excel.ITEMS, w.officer, SimpleUploadedFile("空.xlsx", b"", content_type=XLSX)) == ["文件为空。"]
    assert rejected(excel.ITEMS, w.officer, xlsx([])) == ["文件中没有表头和数据，请使用导入模板。"]
    assert rejected(excel.ITEMS, w.officer, xlsx([ITEM_HEADER, [None] * len(ITEM_HEADER)])) == ["文件中没有数据行。"]
    broken = SimpleUploadedFile("坏.xlsx", b"PK\x03\x04" + b"\x00" * 100, content_type=XLSX)
    assert rejected(excel.ITEMS, w.officer, broken) == [
        "“坏.xlsx”不是有效的 Excel（.xlsx）文件，请用 Excel 打开后另存为 .xlsx 再导入。"]


def test_huge_file_is_refused_by_row_limit_and_size(sw, counts):
    w = sw
    before = counts()
    rows = [READING_HEADER] + [[w.indicator.pk, n, "2026-02-01"] for n in range(excel.READINGS.max_rows + 1)]
    assert rejected(excel.READINGS, w.officer, xlsx(rows)) == ["文件超过 10000 行数据的上限，请拆分后分批导入。"]
    big = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + b"\x00" * excel.MAX_BYTES, content_type=XLSX)
    assert rejected(excel.READINGS, w.officer, big) == ["文件超过 5 MB 的上限，请拆分后导入。"]
    assert counts() == before


def test_template_download_has_the_header_and_the_import_page_shows_errors(client, sw):
    w = sw
    client.force_login(w.officer)
    response = client.get(reverse("supervision:import_template", args=["items"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ITEM_HEADER
    response = client.post(reverse("supervision:import", args=["items"]),
                           {"file": SimpleUploadedFile("a.csv", b"x", content_type="text/csv")})
    assert response.status_code == 400 and "未导入任何数据" in response.content.decode()


@pytest.mark.parametrize(("build", "message"), [
    (lambda: spreadsheets.empty_cells_bomb(READING_HEADER),
     "Excel 文件中“xl/worksheets/sheet1.xml”的压缩比超过 200 倍的上限（解压后 76 MB），疑似压缩炸弹，已拒绝读取。"),
    (lambda: spreadsheets.blank_rows(READING_HEADER, rows=1_100_000),
     "Excel 工作表超过 1,000,000 行的上限（含空行），已停止读取。请删除多余的空行或拆分为多个文件后重新导入。"),
    (lambda: spreadsheets.oversize_dimension(READING_HEADER, "A1:XFD2"),
     "Excel 工作表超过 200 列的上限（含空列），已停止读取。请删除多余的空列后重新导入。"),
])
def test_spreadsheet_bombs_are_refused_quickly_and_change_nothing(sw, counts, build, message):
    w = sw
    before = counts()
    upload = SimpleUploadedFile("读数.xlsx", build(), content_type=XLSX)
    assert upload.size < excel.MAX_BYTES  # small enough to pass the upload limit: only the bounded read stops it
    started = time.monotonic()
    assert rejected(excel.READINGS, w.officer, upload) == [message]
    assert time.monotonic() - started < 8
    assert counts() == before
