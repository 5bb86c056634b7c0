"""Hotline imports: a day's export in UTF-8 or GBK, checked whole; one bad row imports nothing; re-importing the same
day adds nothing; citizens' contacts are encrypted."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qingshan.audit.models import AuditEvent
from qingshan.core.choices import JobStatus
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.intake.hotline import hotline_submit
from qingshan.intake.models import HotlineImport, HotlineTicket
from qingshan.intake.testing import HOTLINE_HEADER, hotline_csv, hotline_mapping
from qingshan.problems.models import Problem, Reporter
from qingshan.problems.testing.world import WORLD_NOW

DAY = [
    ["RX20260301001", "2026-03-01 08:15:00", "青山河滨江路段排污口夜间偷排，河水发黑", "滨江路", "绿水区", "水污染",
     "王小明", "13800001111"],
    ["RX20260301002", "2026/3/1 9:40", "江岸区工地夜间施工噪声扰民", "江岸大道工地", "339902", "大气污染", "", ""],
    ["RX20260301003", "2026-03-01 10:05", "小区垃圾多日无人清运", "幸福里", "", "", "李四", "13900002222"],
]


@pytest.fixture
def w(world, time_machine, settings, tmp_path):
    time_machine.move_to(WORLD_NOW, tick=False)
    settings.JOB_FILES_DIR = tmp_path
    return world


def upload(w, data: bytes, name: str = "12345日报-0301.csv", mapping=None):
    mapping = mapping or hotline_mapping(w)
    job = hotline_submit(actor=w.officer, mapping=mapping, upload=SimpleUploadedFile(name, data))
    run_queued_jobs()
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
def test_a_days_export_is_registered_with_the_reporters_encrypted(w, encoding):
    job = upload(w, hotline_csv(DAY, encoding))
    assert job.status == JobStatus.DONE, job.errors
    assert (job.rows_total, job.rows_imported, job.rows_skipped) == (3, 3, 0)
    first = HotlineTicket.objects.get(ticket_no="RX20260301001").problem
    assert first.source == w.hotline and first.region == w.lvshui and first.category == w.water_pollution
    assert "RX20260301001" in first.description and "2026-03-01 08:15" in first.description
    reporter = Reporter.objects.get(problem=first)
    assert "王小明" not in reporter.name_encrypted and "13800001111" not in reporter.phone_encrypted
    second = HotlineTicket.objects.get(ticket_no="RX20260301002").problem
    assert second.region == w.jiangan and second.category == w.air_pollution and not Reporter.objects.filter(
        problem=second).exists()
    assert HotlineTicket.objects.get(ticket_no="RX20260301003").problem.region == w.city  # the default


def test_reimporting_the_same_day_adds_nothing(w):
    mapping = hotline_mapping(w)
    upload(w, hotline_csv(DAY), mapping=mapping)
    later = ["RX20260301004", "2026-03-01 11:00", "河面漂浮垃圾", "玉带河", "", "", "", ""]
    again = upload(w, hotline_csv([*DAY, later]), mapping=mapping)
    assert (again.rows_total, again.rows_imported, again.rows_skipped) == (4, 1, 3)
    assert Problem.objects.count() == 4


def test_one_bad_row_imports_nothing_and_every_error_is_named(w):
    bad = [*DAY, ["RX20260301001", "昨天", "", "某地", "火星区", "天灾", "张三", ""]]
    events = AuditEvent.objects.filter(object_type="problems.problem").count()
    job = upload(w, hotline_csv(bad))
    assert job.status == JobStatus.FAILED
    text = "\n".join(job.errors)
    for expected in ("第 5 行“工单编号”：工单编号 RX20260301001 与第 2 行重复",
                     "第 5 行“受理时间”：“昨天”不是有效的时间",
                     "第 5 行“诉求内容”：诉求内容为空",
                     "第 5 行“所属区县”：“火星区”不是本辖区",
                     "第 5 行“问题类别”：“天灾”",
                     "第 5 行“联系电话”：来电人姓名和联系电话须同时填写"):
        assert expected in text
    assert not Problem.objects.exists() and not HotlineTicket.objects.exists()
    assert AuditEvent.objects.filter(object_type="problems.problem").count() == events


def test_a_missing_column_and_an_xlsx_export(w):
    mapping = hotline_mapping(w)
    job = upload(w, "工单编号,诉求内容\nRX1,河水发黑\n".encode(), mapping=mapping)
    assert job.status == JobStatus.FAILED and "表头缺少“受理时间”列" in job.errors[0]
    book = Workbook()
    sheet = book.active
    sheet.append(HOTLINE_HEADER)
    sheet.append(["RX9", WORLD_NOW.replace(tzinfo=None), "排污口偷排", "滨江路", "绿水区", "水污染", "", ""])
    data = io.BytesIO()
    book.save(data)
    job = upload(w, data.getvalue(), name="日报.xlsx", mapping=mapping)
    assert job.status == JobStatus.DONE and job.rows_imported == 1


def test_wrong_files_and_people_are_refused_at_once(w):
    mapping = hotline_mapping(w)
    with pytest.raises(ServiceError, match="不是 .xlsx 或 .csv"):
        hotline_submit(actor=w.officer, mapping=mapping, upload=SimpleUploadedFile("a.txt", b"x"))
    with pytest.raises(PermissionRefused):
        hotline_submit(actor=w.eco_handler, mapping=mapping, upload=SimpleUploadedFile("a.csv", b"x"))
    assert not HotlineImport.objects.exists()
