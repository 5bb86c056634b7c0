"""Files of finished jobs expire (core/retention.py, issue 16): after JOB_FILE_RETENTION_DAYS the sweep deletes the
evidence package (and every registered job model's file, the clue jobs' too), the job stays, audited as 已过期, and
its page says the file has expired instead of offering a download that would fail."""
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.clues.models import ClueJob
from qingshan.core.retention import expire_job_files, file_expired, registered
from qingshan.core.scheduled import scheduled_jobs
from qingshan.datacheck import evidence
from qingshan.datacheck.models import EvidenceExport
from qingshan.problems.testing.world import build_world

from .test_evidence_seals import confirmed, package_of  # noqa: F401 -- the fixture, used by name

pytestmark = pytest.mark.django_db


def test_the_sweep_is_one_core_job_and_the_job_models_register_with_it():
    assert {r.model for r in registered()} >= {"datacheck.EvidenceExport", "clues.ClueJob"}
    assert "core.expire_job_files" in {job.code for job in scheduled_jobs()}


def test_an_old_evidence_package_is_deleted_audited_and_its_page_says_it_expired(confirmed, client,  # noqa: F811
                                                                                  settings):
    settings.JOB_FILE_RETENTION_DAYS = 7
    w = confirmed
    package_of(w)
    job = EvidenceExport.objects.get(hit=w.hit)
    path = Path(job.stored_path)
    assert path.is_file()
    # Within the retention period nothing goes.
    assert expire_job_files(now=job.finished_at + dt.timedelta(days=6))["证据包"] == 0 and path.is_file()
    assert expire_job_files(now=job.finished_at + dt.timedelta(days=8))["证据包"] == 1
    job.refresh_from_db()
    assert not path.exists() and job.status == "done" and file_expired(job) and job.sha256
    event = AuditEvent.objects.get(object_type="datacheck.evidenceexport", object_id=job.pk,
                                   action="job_file_expired")
    assert event.payload["sha256"] == job.sha256 and event.payload["retention_days"] == 7
    # A second sweep finds nothing more to do, and audits nothing twice.
    assert expire_job_files(now=job.finished_at + dt.timedelta(days=9))["证据包"] == 0
    assert AuditEvent.objects.filter(action="job_file_expired").count() == 1
    client.force_login(w.officer)
    page = client.get(f"/datacheck/evidence/{job.pk}/").content.decode()
    assert "证据包文件已过期：生成后保留 7 天" in page and 'id="evidence-download"' not in page
    assert job.sha256 in page
    assert client.get(f"/datacheck/evidence/{job.pk}/download/").status_code == 404
    # A new export still works after an expiry.
    again = evidence.export_submit(actor=w.officer, hit=w.hit)
    assert again.pk != job.pk


def test_a_clue_jobs_file_expires_by_the_same_sweep(settings, tmp_path):
    settings.JOB_FILE_RETENTION_DAYS = 3
    officer = build_world().officer
    old, fresh = tmp_path / "old.xlsx", tmp_path / "fresh.xlsx"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    now = timezone.now()
    jobs = [ClueJob.objects.create(kind="reveals", created_by=officer, status="done", stored_path=str(p),
                                   filename=p.name, finished_at=now - dt.timedelta(days=days))
            for p, days in ((old, 4), (fresh, 2))]
    assert expire_job_files(now=now)["线索文件"] == 1
    for job in jobs:
        job.refresh_from_db()
    assert not old.exists() and fresh.exists()
    assert [file_expired(j) for j in jobs] == [True, False]
    assert AuditEvent.objects.filter(object_type="clues.cluejob", object_id=jobs[0].pk,
                                     action="job_file_expired").exists()
