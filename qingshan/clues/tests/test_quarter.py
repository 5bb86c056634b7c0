"""Offices report each quarter's closed results back to 信访室: 信访 sees every office's figures and whether it
has reported; the office is reminded in 我的待办 until it does; the figures never count a clue the reader is
blocked from."""
import datetime as dt

import pytest
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.clues import services
from qingshan.clues.choices import State
from qingshan.clues.models import Clue, QuarterReport
from qingshan.clues.testing.flows import drive_to
from qingshan.clues.testing.world import PASSWORD
from qingshan.core.errors import ServiceError

LAST_QUARTER = {"year": 2025, "quarter": 4}  # the world's today is in 2026 Q1


@pytest.fixture
def closed(cw):
    """A clue of 第一监督检查室 closed (予以了结) on 2025-12-15."""
    clue = drive_to(cw, State.CLOSED)
    Clue.objects.filter(pk=clue.pk).update(closed_on=dt.date(2025, 12, 15))
    return clue


def _page(client, user, params=LAST_QUARTER) -> str:
    client.logout()
    client.login(username=user.username, password=PASSWORD)
    return client.get(reverse("clues:quarter"), params).content.decode()


def _row(page: str, office) -> str:
    start = page.index(f'id="office-{office.pk}"')
    return page[start:page.index("</tr>", start)]


def test_the_office_reports_back_once_and_xinfang_sees_it(client, cw, closed):
    row = _row(_page(client, cw.xinfang), cw.office)
    assert "<td>1</td>" in row and "予以了结 1" in row and "未回告" in row
    page = _page(client, cw.officer)
    assert "回告信访室" in _row(page, cw.office)
    response = client.post(reverse("clues:quarter_report"),
                           {"office": cw.office.pk, "note": "均已办结", **LAST_QUARTER})
    assert response.status_code == 302
    report = QuarterReport.objects.get()
    assert (report.office, report.year, report.quarter, report.closed_count, report.submitted_by) == (
        cw.office, 2025, 4, 1, cw.officer)
    assert AuditEvent.objects.filter(object_type="clues.quarter_report", object_id=report.pk).count() == 1
    assert "已回告" in _row(_page(client, cw.xinfang), cw.office)
    with pytest.raises(ServiceError, match="已回告"):
        services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4)
    assert QuarterReport.objects.count() == 1


def test_a_quarter_not_yet_ended_or_another_office_is_refused_and_nothing_is_recorded(cw, closed):
    with pytest.raises(ServiceError, match="该季度尚未结束"):
        services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2026, quarter=1)
    with pytest.raises(ServiceError, match="只有承办部门人员"):
        services.quarter_report_submit(actor=cw.xinfang, office=cw.office, year=2025, quarter=4)
    with pytest.raises(ServiceError, match="季度须为"):
        services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=5)
    assert not QuarterReport.objects.exists()
    assert not AuditEvent.objects.filter(object_type="clues.quarter_report").exists()


def test_the_office_is_reminded_in_my_worklist_until_it_reports(cw, closed):
    from qingshan.core.worklist import section_counts, work_queues

    def count(user):
        cells = {q.key: n for _name, _label, rows in section_counts(work_queues(user=user)) for q, n in rows}
        return cells.get("clue_quarter", 0)

    assert count(cw.officer) == 1
    services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4)
    assert count(cw.officer) == 0


@pytest.mark.parametrize("who", ["insider_in_unit", "insider_below"])
def test_the_figures_never_count_a_clue_the_reader_is_blocked_from(client, cw, closed, who):
    """甲 and 乙 hold 信访 and work in 第一监督检查室 too: the closed clue about their unit is not counted for them,
    nor for their worklist, while 丙 (the same roles, no tie) sees it."""
    assert "<td>1</td>" in _row(_page(client, cw.insider_clear), cw.office)
    page = _page(client, getattr(cw, who))
    row = _row(page, cw.office)  # listed as their own office, with nothing counted
    assert "<td>0</td>" in row and "予以了结" not in row


def test_the_clue_list_links_only_to_the_registers_the_user_may_open(client, cw):
    """A leader signs clue decisions but keeps no 借阅登记 (案管's); 案管 keeps it but writes no report-back."""
    from django.urls import reverse

    reveals, quarter = reverse("clues:reveals"), reverse("clues:quarter")
    client.force_login(cw.leader)
    page = client.get(reverse("clues:list")).content.decode()
    assert reveals not in page and quarter in page and client.get(reveals).status_code == 403
    client.force_login(cw.anguan)
    page = client.get(reverse("clues:list")).content.decode()
    assert reveals in page and quarter not in page and client.get(quarter).status_code == 403
