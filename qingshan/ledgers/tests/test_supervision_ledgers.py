"""监督清单 and 整改清单 as ledgers: an assignee's own entries only, the chain of a report slot, the export."""
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingshan.ledgers.testing import export_response
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.supervision import services
from qingshan.supervision.tests.conftest import submit

pytestmark = pytest.mark.django_db

SUPERVISION = reverse("ledgers:ledger", args=["supervision"])
RECTIFICATIONS = reverse("ledgers:ledger", args=["rectifications"])


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


def entries(response) -> list[list[str]]:
    html = response.content.decode()
    rows = re.findall(r'<tr data-pk="\d+">(.*?)</tr>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_tabs_list_every_ledger_in_order(client, sw):
    client.force_login(sw.officer)
    html = client.get(reverse("ledgers:index")).content.decode()
    tabs = re.findall(r'<a class="nav-link[^"]*"[^>]*href="/ledgers/[a-z_]+/">([^<]+)</a>', html)
    assert tabs == ["监督清单", "问题清单", "整改清单", "文书台账", "督察整改清单"]


def test_an_assignee_sees_only_its_own_slots_and_a_unit_none(client, sw):
    client.force_login(sw.officer)
    orgs = {row[1] for row in entries(client.get(SUPERVISION))}
    assert orgs == {"驻市生态环境局纪检监察组", "绿水区纪委监委"}
    client.force_login(sw.group_staff)
    rows = entries(client.get(SUPERVISION))
    assert rows and {row[1] for row in rows} == {"驻市生态环境局纪检监察组"}
    client.force_login(sw.district_staff)
    assert {row[1] for row in entries(client.get(SUPERVISION))} == {"绿水区纪委监委"}
    assert client.get(reverse("ledgers:entry", args=["supervision", sw.slot.pk])).status_code == 404
    client.force_login(sw.eco_handler)
    assert entries(client.get(SUPERVISION)) == []
    assert client.get(reverse("ledgers:entry", args=["supervision", sw.slot.pk])).status_code == 404


def test_slot_chain_opening_reports_return_and_approval(client, sw):
    first = submit(sw, summary="一月份工作情况。")
    services.report_review(actor=sw.officer, report=first, approve=False, comment="活动记录过于简单，请补充。")
    second = submit(sw, summary="一月份工作情况（补充）。")
    services.report_review(actor=sw.office_head, report=second, approve=True)

    client.force_login(sw.group_staff)
    html = client.get(reverse("ledgers:entry", args=["supervision", sw.slot.pk])).content.decode()
    kinds = re.findall(r'<tr data-kind="([^"]*)">', html)
    actions = re.findall(r'<td class="chain-action">([^<]+)</td>', html)
    assert actions == ["生成报送期次（建账）", "报送", "退回修改", "重新报送", "审核通过"]
    assert kinds == ["建账", "查账", "查账", "查账", "销账"]
    assert "活动记录过于简单，请补充。" in html and "王主任" in html

    row = next(r for r in entries(client.get(SUPERVISION)) if r[2] == sw.slot.label and r[1] == str(sw.group))
    assert row[6] == "已通过"
    assert row[-6:-1] == ["2026-03-02", "3", row[-4], "重新报送", "2026-03-02"]


def test_supervision_filters_and_counts(client, sw):
    report = submit(sw)
    services.report_review(actor=sw.officer, report=report, approve=True)
    client.force_login(sw.officer)
    response = client.get(SUPERVISION)
    total = len(entries(response))
    assert re.search(rf'未销账 <span id="count-open">{total - 1}</span> 条，已销账 <span id="count-closed">1</span>',
                     response.content.decode())
    closed = entries(client.get(SUPERVISION, {"status": "closed"}))
    assert [(r[1], r[3]) for r in closed] == [("驻市生态环境局纪检监察组", "2026-01-01")]
    assert {r[1] for r in entries(client.get(SUPERVISION, {"unit": sw.lvshui_commission.pk}))} == {"绿水区纪委监委"}
    assert {r[3] for r in entries(client.get(SUPERVISION, {"period_from": "2026-02-01", "period_to": "2026-02-28"}))} \
        == {"2026-02-01"}


def test_rectification_ledger_and_its_export(client, sw):
    submit(sw, rectifications=[{"title": "3号排口封堵", "measures": "封堵并设置监控", "responsible_unit": sw.eco,
                                "deadline": dt.date(2026, 4, 30)}])
    entry = sw.item.rectifications.get()
    services.rectification_update(actor=sw.group_staff, rectification=entry, status="stage_done", note="已封堵")
    services.rectification_update(actor=sw.group_staff, rectification=entry, status="done", note="监控已安装")

    client.force_login(sw.group_staff)
    rows = entries(client.get(RECTIFICATIONS))
    assert [r[0] for r in rows] == ["3号排口封堵"]
    assert rows[0][-6:-1] == ["2026-03-02", "1", rows[0][-4], "更新整改状态", "2026-03-02"]
    html = client.get(reverse("ledgers:entry", args=["rectifications", entry.pk])).content.decode()
    assert re.findall(r'<tr data-kind="([^"]*)">', html) == ["建账", "查账", "销账"]

    client.force_login(sw.group2_staff)  # another group, not the entry's assignee
    assert entries(client.get(RECTIFICATIONS)) == []

    client.force_login(sw.officer)
    response = export_response(client, "rectifications")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "整改清单台账" and rows[2][0] == "整改事项"
    assert rows[3][0] == "3号排口封堵" and rows[3][4].date() == dt.date(2026, 4, 30) and rows[3][5] == "已完成"


def test_supervision_export_matches_the_page_for_an_assignee(client, sw):
    client.force_login(sw.district_staff)
    page = entries(client.get(SUPERVISION))
    response = export_response(client, "supervision")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))[3:]
    assert [(r[0], r[1], r[2]) for r in rows] == [(p[0], p[1], p[2]) for p in page]
