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


def test_closing_a_clue_owes_the_quarter_as_a_watched_deadline_met_by_the_report(cw, closed):
    """The report-back is a deadline kind: closing a clue writes what the office owes for that quarter (due 15 days
    after it ends); the sweep reminds the office's team, never anyone outside it; reporting meets it."""
    from qingshan.clues.models import QuarterDue
    from qingshan.core.deadlines import deadline_kinds
    from qingshan.reminders.models import Notification
    from qingshan.reminders.sweep import run_sweep

    kind = next(k for k in deadline_kinds() if k.code == "clues.quarter_report")
    assert QuarterDue.objects.filter(office=cw.office, report__isnull=True).exists()  # the closing's own quarter
    services._owe_quarter_report(cw.office.pk, dt.date(2025, 12, 15))  # as `closed` backdated its closing
    due = QuarterDue.objects.get(office=cw.office, year=2025, quarter=4)
    assert due.due_on == dt.date(2026, 1, 15) and due in kind.watched()
    services._owe_quarter_report(cw.office.pk, dt.date(2025, 11, 2))  # a second closing owes nothing more
    assert QuarterDue.objects.filter(office=cw.office, year=2025, quarter=4).count() == 1

    run_sweep(dt.datetime(2026, 1, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    told = set(Notification.objects.filter(reminder__kind=kind.code, reminder__object_id=due.pk)
               .values_list("user_id", flat=True))
    assert cw.officer.pk in told and not told & {cw.xinfang.pk, cw.anguan.pk, cw.eco_handler.pk, cw.outsider.pk}
    assert kind.titles(cw.officer, [due.pk]) == {due.pk: "第一监督检查室2025年第4季度办理结果回告信访室"}
    assert kind.titles(cw.eco_handler, [due.pk]) == {}

    report = services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4)
    due.refresh_from_db()
    assert due.report == report and due not in kind.watched()


def test_the_report_back_document_for_xinfang_lists_the_closed_clues_and_no_reporter_data(client, cw, closed):
    """The worker writes the report-back as Word for 信访室, as the letters are: the clue's 编号, disposal, outcome and
    closing day, the totals, and nothing of the reporter, the reported person or the report's text."""
    from qingshan.clues.models import ClueJob
    from qingshan.core.choices import JobStatus
    from qingshan.core.documents import docx_text
    from qingshan.core.testing.jobs import run_queued_jobs

    report = services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4,
                                            note="均已按期办结")
    client.force_login(cw.xinfang)
    response = client.post(reverse("clues:quarter_document", args=[report.pk]))
    job = ClueJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("clues:job", args=[job.pk]))
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.filename.endswith(".docx")
    download = client.get(reverse("clues:job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    text = docx_text(b"".join(download.streaming_content))
    closed.refresh_from_db()
    assert "第一监督检查室2025年第4季度" in text and "共办结问题线索1件" in text and "予以了结1件" in text
    assert closed.number in text and "2025年12月15日" in text and "均已按期办结" in text
    vault = closed.vault
    from qingshan.access.crypto import decrypt
    secrets = [decrypt(getattr(vault, f"{f}_encrypted")) for f in ("name", "unit", "address", "phone", "id_number",
                                                                   "text") if getattr(vault, f"{f}_encrypted")]
    assert secrets and vault.masked
    for secret in [*secrets, vault.masked, closed.reported_name, closed.summary]:
        assert secret not in text, secret
    assert AuditEvent.objects.filter(object_type="clues.quarter_report", object_id=report.pk,
                                     action__in=["generate_document", "download"]).count() == 2


@pytest.mark.parametrize("who", ["insider_in_unit", "insider_below"])
def test_the_document_asked_for_by_a_blocked_holder_never_lists_the_clue(cw, closed, who):
    from qingshan.clues.models import ClueJob
    from qingshan.core.documents import docx_text
    from qingshan.core.testing.jobs import run_queued_jobs

    report = services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4)
    job = services.quarter_document_submit(actor=getattr(cw, who), report=report)
    run_queued_jobs()
    job = ClueJob.objects.get(pk=job.pk)
    with open(job.stored_path, "rb") as f:
        text = docx_text(f.read())
    closed.refresh_from_db()
    assert "共办结问题线索0件" in text and closed.number not in text


@pytest.mark.parametrize("who", ["anguan", "eco_handler", "outsider"])
def test_outside_the_office_and_xinfang_the_document_is_refused_and_nothing_is_queued(client, cw, closed, who):
    from qingshan.clues.models import ClueJob

    report = services.quarter_report_submit(actor=cw.officer, office=cw.office, year=2025, quarter=4)
    client.force_login(getattr(cw, who))
    assert client.post(reverse("clues:quarter_document", args=[report.pk])).status_code == 404
    assert not ClueJob.objects.exists()
