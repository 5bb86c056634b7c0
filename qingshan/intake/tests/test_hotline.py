"""Hotline imports: a day's export in UTF-8 or GBK, checked whole; one bad row imports nothing; re-importing the same
day adds nothing; citizens' contacts are encrypted."""
import io
from dataclasses import fields

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
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


# ---------------------------------------------------------------- the bulk path registers what the single path would


def _one_at_a_time(*, actor, items, then=None):
    """problems_register as it was before the bulk path: problem_create, ticket by ticket."""
    from qingshan.problems.services import ItemRefused, problem_create

    made = []
    for index, item in enumerate(items):
        try:
            made.append(problem_create(actor=actor, **{f.name: getattr(item, f.name) for f in fields(item)}))
        except ServiceError as exc:
            raise ItemRefused(index, exc) from None
    if then is not None:
        then(made)
    return made


def _registered() -> dict:
    """Everything an import leaves behind that a user or a report reads, keyed by problem number (ids and hashes left
    out: they depend on what ran before)."""
    from qingshan.access.crypto import decrypt
    from qingshan.dashboards.models import KpiFact
    from qingshan.dashboards.snapshots import fold_dirty, snapshot_totals
    from qingshan.problems.models import ProblemAudience

    fold_dirty()  # PostgreSQL: the facts of the problems just registered, as the worker computes them
    number = dict(Problem.objects.values_list("pk", "number"))
    skip = {"id", "problem_id"}
    problems = {p["number"]: {k: v for k, v in p.items() if k not in skip} for p in Problem.objects.values()}
    reporters = {number[r.problem_id]: (decrypt(r.name_encrypted), decrypt(r.phone_encrypted), r.name_masked,
                                        r.phone_masked) for r in Reporter.objects.all()}
    audience = sorted((number[a.problem_id], a.organisation_id, a.received_at, a.is_restricted)
                      for a in ProblemAudience.objects.all())
    facts = {number[f["problem_id"]]: {k: v for k, v in f.items() if k not in skip} for f in KpiFact.objects.values()}
    snapshot = sorted(snapshot_totals().items())  # as readers sum it: a transition appends rows of differences
    tickets = sorted((t.ticket_no, number[t.problem_id], t.received_at) for t in HotlineTicket.objects.all())
    events = [(number.get(e.object_id) if e.object_type == "problems.problem" else e.object_type, e.action,
               e.actor_id, e.actor_name, e.actor_org_id, e.actor_org_name, e.from_state, e.to_state, e.reason,
               e.payload, e.internal, e.created_at, e.mac_version)
              for e in AuditEvent.objects.exclude(object_type="intake.hotlineimport").order_by("seq")]
    return {"problems": problems, "reporters": reporters, "audience": audience, "facts": facts,
            "snapshot": snapshot, "tickets": tickets, "events": events}


class _Undo(Exception):
    pass


def test_the_bulk_path_registers_exactly_what_the_single_path_did(w, monkeypatch):
    from qingshan.audit.verify import verify_chain

    # More rows than the audit log's bulk threshold, so its batch writer (not the ORM's) is the one compared.
    many = [[f"RX2026030120{i:02d}", "2026-03-01 12:00", f"第{i}号：玉带河{i}号排口异味", f"玉带河{i}号排口",
             "绿水区" if i % 2 else "", "", "赵六" if i % 3 else "", "13700003333" if i % 3 else ""]
            for i in range(60)]
    data = hotline_csv([*DAY, *many])
    mapping = hotline_mapping(w)
    upload(w, hotline_csv(DAY), mapping=mapping)  # already imported: the KPI snapshot has rows to add to
    seen = {}
    for path in ("single", "bulk"):
        with monkeypatch.context() as patch:
            if path == "single":
                patch.setattr("qingshan.intake.hotline.problems_register", _one_at_a_time)
            try:
                with transaction.atomic():
                    job = upload(w, data, mapping=mapping)
                    assert (job.status, job.rows_imported, job.rows_skipped) == (JobStatus.DONE, 60, 3), job.errors
                    assert verify_chain() == []
                    seen[path] = _registered()
                    raise _Undo
            except _Undo:
                pass
    assert len(seen["bulk"]["problems"]) == 63 and len(seen["bulk"]["reporters"]) == 2 + 40
    for part in seen["single"]:
        assert seen["bulk"][part] == seen["single"][part], part


def test_a_ticket_the_importer_may_not_register_refuses_the_whole_file_naming_its_row(w):
    from qingshan.orgs.models import Region

    mapping = hotline_mapping(w)
    # A region outside the importer's commission (a sibling of the city): registering there is refused.
    elsewhere = Region.objects.create(code="339999", name="外市", level=w.city.level, path="/elsewhere/")
    mapping.default_region = elsewhere
    mapping.save()
    job = upload(w, hotline_csv(DAY[2:]), mapping=mapping)
    assert job.status == JobStatus.FAILED
    assert job.errors == ["第 2 行：只有纪检监察机构的工作人员可以在其管辖范围内登记问题。"]
    assert not Problem.objects.exists()


def test_an_imports_statements_grow_by_batches_not_by_tickets(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(start, n):
        return [[f"RQ{start + i:06d}", "2026-03-01 12:00", f"第{i}号：河道漂浮物", "", "", "", "钱七", "13600004444"]
                for i in range(n)]

    counts, mapping = [], hotline_mapping(w)
    for start, n in ((0, 80), (1000, 400)):
        with CaptureQueriesContext(connection) as queries:
            job = upload(w, hotline_csv(rows(start, n)), mapping=mapping)
        assert job.rows_imported == n
        counts.append(len(queries))
    # 320 tickets more: a few more INSERT batches (SQLite's are small: 999 parameters), never a statement per ticket,
    # as the single path took (about 20 each).
    assert counts[1] - counts[0] < 320 / 10, counts
