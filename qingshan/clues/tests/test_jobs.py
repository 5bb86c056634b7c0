"""The loop's files written by the background worker: the 借阅登记 export for 案管 and the 函询 / 下转 letters. The
request only queues; the job's page shows the progress; only the asker downloads, and only while access/clues.py
still lets them see what the file holds. The register of a clue is itself confidential: a blocked 案管 officer's
export never lists it."""
import datetime as dt
import io
import os
import re
import stat

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingshan.access.clues import reveal_reporter
from qingshan.audit.models import AuditEvent
from qingshan.clues.choices import State
from qingshan.clues.models import ClueJob
from qingshan.clues.testing.flows import drive_to
from qingshan.clues.testing.world import PASSWORD, new_clue
from qingshan.core.choices import JobStatus
from qingshan.core.retention import expire_job_files
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership

EXPORT = reverse("clues:reveals_export")


def _login(client, user):
    client.logout()
    client.login(username=user.username, password=PASSWORD)
    return client


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def revealed(cw):
    """Two clues each revealed once: one about 市生态环境局 (blocked for the insiders), one about 市水务局."""
    blocked = drive_to(cw, State.NUMBERED)
    reveal_reporter(user=cw.xinfang, clue=blocked, reason="核对举报人身份甲")
    other = drive_to(cw, State.NUMBERED, reported_unit=cw.water, reported_name="冯某", reported_person=None)
    reveal_reporter(user=cw.anguan, clue=other, reason="核对举报人身份乙")
    return blocked, other


def _export(client) -> tuple[ClueJob, str]:
    response = client.post(EXPORT)
    job = ClueJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("clues:job", args=[job.pk])
    return job, response["Location"]


def test_the_register_export_is_queued_written_by_the_worker_and_downloaded_by_its_asker(client, cw, revealed):
    blocked, other = revealed
    c = _login(client, cw.anguan)
    job, url = _export(c)
    assert (job.kind, job.status, job.created_by) == ("reveals", JobStatus.QUEUED, cw.anguan)
    waiting = c.get(url).content.decode()
    assert "排队中" in waiting and 'hx-trigger="every 1s"' in waiting
    assert c.get(reverse("clues:job_download", args=[job.pk])).status_code == 404  # not written yet
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.progress) == (JobStatus.DONE, 2, 100)
    assert stat.S_IMODE(os.stat(job.stored_path).st_mode) == 0o600
    done = c.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "生成完成：共 2 行" in done and "hx-trigger" not in done
    download = c.get(reverse("clues:job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    rows = _rows(b"".join(download.streaming_content))
    assert rows[0][0] == "借阅登记（举报人信息查阅记录）" and rows[2][:3] == ("查阅时间", "线索", "查阅人")
    assert sorted(row[1:] for row in rows[3:]) == sorted([
        (blocked.reference, "赵信访", cw.commission.name, "信访室", "核对举报人身份甲"),
        (other.reference, "孔案管", cw.commission.name, "案管室", "核对举报人身份乙")])
    text = str(rows)
    for secret in ("王举报", "13812345678", "红包"):
        assert secret not in text
    assert AuditEvent.objects.filter(object_type="clues.reveal_register", action="export").count() == 1
    assert AuditEvent.objects.filter(object_type="clues.reveal_register", action="download").count() == 1
    # Nobody else opens it, not even another 案管 officer of the same commission.
    c = _login(client, cw.insider_clear)
    assert c.get(url).status_code == 404
    assert c.get(reverse("clues:job_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("who", ["insider_in_unit", "insider_below"])
def test_a_blocked_anguan_officers_export_never_lists_the_clue(client, cw, revealed, who):
    blocked, other = revealed
    c = _login(client, getattr(cw, who))  # they hold 案管 at the same commission
    _job, url = _export(c)
    run_queued_jobs()
    text = str(_rows(b"".join(c.get(f"{url}download/").streaming_content)))
    assert other.reference in text and "核对举报人身份乙" in text
    assert blocked.reference not in text and "核对举报人身份甲" not in text and blocked.intake_ref not in text


@pytest.mark.parametrize("who", ["xinfang", "officer", "leader", "eco_handler", "outsider"])
def test_only_anguan_may_export_the_register_and_nothing_is_queued_otherwise(client, cw, revealed, who):
    c = _login(client, getattr(cw, who))
    response = c.post(EXPORT)
    assert response.status_code == 403 and "只有案管室人员可以导出借阅登记。" in response.content.decode()
    assert not ClueJob.objects.exists()
    assert c.get(EXPORT).status_code == 405


def test_the_register_of_someone_no_longer_at_anguan_is_not_written_nor_served(client, cw, revealed):
    c = _login(client, cw.anguan)
    job, url = _export(c)
    Membership.objects.filter(user=cw.anguan).update(is_active=False)  # moved away before the worker ran
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "您已无权查看该内容，文件未生成。"
    assert not os.path.exists(job.stored_path)
    assert c.get(url).status_code == 404 and c.get(f"{url}download/").status_code == 404


def _body(response) -> str:
    """The page as a reader sees it, less the per-response CSRF token."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


def test_a_letter_asked_for_before_a_block_is_neither_written_nor_served_after_it(client, cw):
    """Someone who asked for the letter and is blocked since (joined the reported unit) gets nothing."""
    clue = drive_to(cw, State.INQUIRY, replied=False)
    c = _login(client, cw.officer)
    url = c.post(reverse("clues:letter", args=[clue.letters.get().pk]))["Location"]
    job = ClueJob.objects.get()
    assert c.get(url).status_code == 200  # the job's page, as they were sent to it
    Membership.objects.create(user=cw.officer, organisation=cw.eco_station, role=Role.UNIT_HANDLER)
    missing = c.get(reverse("clues:job", args=[job.pk + 1000]))
    assert (c.get(url).status_code, _body(c.get(url))) == (404, _body(missing))
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "您已无权查看该内容，文件未生成。"
    assert c.get(f"{url}download/").status_code == 404


def test_a_letter_written_before_a_block_is_not_served_after_it(client, cw):
    clue = drive_to(cw, State.INQUIRY, replied=False)
    c = _login(client, cw.officer)
    url = c.post(reverse("clues:letter", args=[clue.letters.get().pk]))["Location"]
    run_queued_jobs()
    assert c.get(f"{url}download/").status_code == 200
    Membership.objects.create(user=cw.officer, organisation=cw.eco, role=Role.UNIT_HANDLER)
    del cw.officer._qingshan_clue_circle  # noqa -- a fresh request computes it again (the client does)
    assert c.get(url).status_code == 404 and c.get(f"{url}download/").status_code == 404


def test_someone_who_may_not_have_the_transfer_letter_is_refused_and_nothing_is_queued(client, cw):
    clue = new_clue(cw)  # not passed down: there is no transfer letter
    c = _login(client, cw.xinfang)
    response = c.post(reverse("clues:transfer_document", args=[clue.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("clues:detail", args=[clue.pk])
    assert "只有下转线索的信访、案管人员可以下载移交函。" in c.get(response["Location"]).content.decode()
    assert not ClueJob.objects.exists()


def test_a_job_whose_worker_died_is_failed_and_its_partial_file_removed(client, cw, revealed):
    from qingshan.clues.jobs import _folder
    from qingshan.core.jobs import recover_interrupted
    from qingshan.core.worker import claim_next

    c = _login(client, cw.anguan)
    job, url = _export(c)
    claim_next("killed-worker")
    partial = _folder() / "partial.xlsx"
    partial.write_bytes(b"PK half")
    ClueJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stored_path=str(partial))
    assert recover_interrupted() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not partial.exists()
    assert "后台任务中断" in c.get(url).content.decode()


def test_an_expired_register_says_so_on_its_page_and_is_no_longer_served(client, cw, revealed, settings):
    settings.JOB_FILE_RETENTION_DAYS = 7
    c = _login(client, cw.anguan)
    job, url = _export(c)
    run_queued_jobs()
    job.refresh_from_db()
    assert expire_job_files(now=job.finished_at + dt.timedelta(days=8))["线索文件"] == 1
    page = c.get(url).content.decode()
    assert "已过期" in page and "生成后保留 7 天" in page and 'id="job-download"' not in page
    assert c.get(reverse("clues:job_download", args=[job.pk])).status_code == 404
