"""Ledger exports run by the background worker: 导出 queues the job, the worker writes the workbook as the asker may
see the ledger, the job page shows its progress and then a download link that serves only the asker."""
import io
import os
import stat
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.ledgers import exports, services
from qingshan.ledgers.models import ExportJob, ExportStatus
from qingshan.ledgers.specs import ledger
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to

from .test_problem_ledger import _fixed_today  # noqa: F401 - an autouse fixture: the world's date

pytestmark = pytest.mark.django_db

EXPORT = reverse("ledgers:export", args=["problems"])


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def test_export_is_queued_then_written_by_the_worker_and_downloaded_by_its_asker(client, world):
    drive_to(world, State.SIGNED)
    client.force_login(world.officer)
    response = client.post(EXPORT, {"status": "open"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledgers:export_job", args=[job.pk])
    assert (job.created_by, job.ledger, job.params, job.status) == (world.officer, "problems", {"status": ["open"]},
                                                                    ExportStatus.QUEUED)
    assert AuditEvent.objects.filter(object_type="ledgers.export", actor=world.officer).count() == 1
    waiting = client.get(response["Location"]).content.decode()
    assert "排队中" in waiting and "等待后台工作进程开始导出" in waiting and 'hx-trigger="every 1s"' in waiting
    assert client.get(reverse("ledgers:export_download", args=[job.pk])).status_code == 404  # not written yet

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.rows_total, job.progress) == (ExportStatus.DONE, 1, 1, 100)
    assert job.finished_at is not None
    assert stat.S_IMODE(os.stat(job.stored_path).st_mode) == 0o600
    done = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in done and "导出完成：共 1 行。" in done and "hx-trigger" not in done
    assert reverse("ledgers:export_download", args=[job.pk]) in done

    download = client.get(reverse("ledgers:export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = unquote(download["Content-Disposition"].split("''", 1)[1])
    assert name.startswith("问题清单台账_20260302_") and name.endswith(".xlsx")
    rows = _rows(b"".join(download.streaming_content))
    assert rows[0][0] == "问题清单台账" and rows[1][0].startswith("筛选条件：未销账　") and len(rows) == 4

    client.force_login(world.eco_handler)  # another user, even one who may see the same problem
    assert client.get(reverse("ledgers:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ledgers:export_download", args=[job.pk])).status_code == 404


def test_the_file_is_kept_under_the_job_files_directory(client, world, settings):
    client.force_login(world.officer)
    client.post(EXPORT)
    run_queued_jobs()
    job = ExportJob.objects.get()
    assert Path(job.stored_path).is_relative_to(settings.JOB_FILES_DIR)


def test_the_job_writes_the_rows_of_the_synchronous_export_as_its_asker_sees_them(client, world):
    drive_to(world, State.CLOSED)
    drive_to(world, State.SIGNED)
    drive_to(world, State.SIGNED, lead=world.lvshui_housing, handler=world.housing_handler, region=world.lvshui)
    spec = ledger("problems")
    for user in (world.officer, world.eco_handler):
        synchronous = services.ledger_export(actor=user, spec=spec)
        with open(synchronous.path, "rb") as handle:
            expected = _rows(handle.read())[2:]  # the subtitle names the time: compared apart
        os.unlink(synchronous.path)
        job = exports.export_submit(actor=user, code="problems")
        run_queued_jobs()
        job.refresh_from_db()
        assert _rows(Path(job.stored_path).read_bytes())[2:] == expected
    assert len(expected) == 1 + 2  # the unit's handler: its own two problems, not the district's


def test_progress_is_shown_while_the_worker_writes(client, world):
    client.force_login(world.officer)
    client.post(EXPORT)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_total=19900, rows_written=8000)
    page = client.get(reverse("ledgers:export_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "运行中" in page and "已写入 8000 / 19900 行" in page and "40%" in page and 'hx-trigger="every 1s"' in page


def test_progress_is_recorded_every_chunk(world, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 1)
    seen = []
    real = exports._Progress.__call__
    monkeypatch.setattr(exports._Progress, "__call__", lambda self, rows: (seen.append(rows), real(self, rows)))
    drive_to(world, State.SIGNED)
    drive_to(world, State.CLOSED)
    job = exports.export_submit(actor=world.officer, code="problems")
    run_queued_jobs()
    assert seen == [1, 2]
    job.refresh_from_db()
    assert (job.rows_written, job.rows_total) == (2, 2)


def test_an_export_whose_worker_was_killed_is_failed_and_its_partial_file_removed(client, world):
    from qingshan.core.jobs import recover_interrupted
    from qingshan.core.worker import claim_next

    client.force_login(world.officer)
    client.post(EXPORT)
    job = ExportJob.objects.get()
    claim_next("killed-worker")  # taken by a worker that then died: the queue row stays 运行中
    partial = exports._folder() / "partial.xlsx"
    partial.write_bytes(b"PK half a workbook")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, stored_path=str(partial))
    assert recover_interrupted() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.finished_at is not None
    assert not partial.exists()
    page = client.get(reverse("ledgers:export_job", args=[job.pk])).content.decode()
    assert "失败" in page and "后台任务中断（工作进程已停止），请重新提交。" in page
    assert client.get(reverse("ledgers:export_download", args=[job.pk])).status_code == 404


def test_an_unknown_ledger_is_refused_in_chinese_and_nothing_is_queued(client, world):
    with pytest.raises(ServiceError, match="没有这个台账，不能导出。"):
        exports.export_submit(actor=world.officer, code="nonsense")
    client.force_login(world.officer)
    page = client.post(reverse("ledgers:export", args=["nonsense"]), follow=True).content.decode()
    assert "没有这个台账，不能导出。" in page
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(object_type="ledgers.export").exists()


def test_bad_filters_are_refused_in_the_request_and_nothing_is_queued(client, world):
    client.force_login(world.officer)
    page = client.post(EXPORT, {"period_from": "2026-13-40"}, follow=True).content.decode()
    assert "筛选条件有误：输入一个有效的日期。" in page
    assert not ExportJob.objects.exists()


def test_export_needs_a_post(client, world):
    client.force_login(world.officer)
    assert client.get(EXPORT).status_code == 405
    assert not ExportJob.objects.exists()
