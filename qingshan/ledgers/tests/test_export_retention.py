"""A finished export's file is kept for LEDGER_EXPORT_RETENTION_DAYS, then the periodic sweep deletes it and the job
page says 已过期; the audit chain records an export's completion (rows, file hash) and its failure, not only its
queueing."""
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.core.scheduled import scheduled_jobs
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.ledgers import exports
from qingshan.ledgers.models import ExportJob, ExportStatus
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to

from .test_problem_ledger import _fixed_today  # noqa: F401 - an autouse fixture: the world's date

pytestmark = pytest.mark.django_db

EXPORT = reverse("ledgers:export", args=["problems"])


def _finished_export(client, world) -> ExportJob:
    drive_to(world, State.SIGNED)
    client.force_login(world.officer)
    client.post(EXPORT)
    run_queued_jobs()
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE and Path(job.stored_path).is_file()
    return job


def test_a_file_older_than_the_retention_is_deleted_and_the_job_page_says_expired(client, world, settings):
    assert settings.LEDGER_EXPORT_RETENTION_DAYS == 7  # the default
    job = _finished_export(client, world)
    stored = Path(job.stored_path)
    six_days_on = job.finished_at + dt.timedelta(days=6, hours=23)
    assert exports.expire_exports(now=six_days_on) == 0  # within the week: still there
    assert stored.is_file()

    assert exports.expire_exports(now=job.finished_at + dt.timedelta(days=7, minutes=1)) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.expired_at is not None and not stored.exists()
    page = client.get(reverse("ledgers:export_job", args=[job.pk])).content.decode()
    assert "已过期" in page and "导出完成后保留 7 天" in page and "请回到台账重新导出" in page
    assert "hx-trigger" not in page  # finished: the page stops polling
    assert reverse("ledgers:export_download", args=[job.pk]) not in page
    assert client.get(reverse("ledgers:export_download", args=[job.pk])).status_code == 404
    assert exports.expire_exports(now=timezone.now() + dt.timedelta(days=30)) == 0  # once only


def test_the_retention_is_a_setting(client, world, settings):
    settings.LEDGER_EXPORT_RETENTION_DAYS = 1
    job = _finished_export(client, world)
    assert exports.expire_exports(now=job.finished_at + dt.timedelta(days=1, minutes=1)) == 1


def test_the_worker_sweeps_expired_exports_as_a_scheduled_job(client, world):
    job = _finished_export(client, world)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    (sweep,) = scheduled_jobs(only=["core.expire_job_files"])  # the one sweep of every job model's files
    assert "台账导出文件（保留 7 天）1 个" in sweep.run(lambda: False)
    assert ExportJob.objects.get().status == ExportStatus.EXPIRED


def test_unfinished_and_failed_exports_are_left_alone(client, world):
    client.force_login(world.officer)
    client.post(EXPORT)
    queued = ExportJob.objects.get()
    ExportJob.objects.filter(pk=queued.pk).update(finished_at=timezone.now() - dt.timedelta(days=30))
    assert exports.expire_exports() == 0
    assert ExportJob.objects.get().status == ExportStatus.QUEUED


def test_completion_is_audited_with_its_rows_and_the_hash_of_the_file(client, world):
    job = _finished_export(client, world)
    actions = list(AuditEvent.objects.filter(object_type="ledgers.export").order_by("pk").values_list(
        "action", flat=True))
    assert actions == ["export", "export_done"]
    done = AuditEvent.objects.get(object_type="ledgers.export", action="export_done")
    assert done.actor == world.officer
    assert done.payload["rows"] == 1 and done.payload["job"] == job.pk
    assert done.payload["sha256"] == hashlib.sha256(Path(job.stored_path).read_bytes()).hexdigest()


def test_a_failed_export_is_audited_with_its_reason(client, world):
    client.force_login(world.officer)
    client.post(EXPORT)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(params={"period_from": ["2026-13-40"]})  # refused when it runs
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    failed = AuditEvent.objects.get(object_type="ledgers.export", action="export_failed")
    assert failed.actor == world.officer and failed.payload["job"] == job.pk
    assert failed.payload["error"].startswith("筛选条件有误")
    assert not AuditEvent.objects.filter(object_type="ledgers.export", action="export_done").exists()


def test_an_export_whose_worker_died_is_audited_as_failed(client, world):
    from qingshan.core.jobs import INTERRUPTED, recover_interrupted
    from qingshan.core.worker import claim_next

    client.force_login(world.officer)
    client.post(EXPORT)
    claim_next("killed-worker")
    ExportJob.objects.update(status=ExportStatus.RUNNING)
    assert recover_interrupted() == 1
    failed = AuditEvent.objects.get(object_type="ledgers.export", action="export_failed")
    assert failed.payload["error"] == INTERRUPTED
