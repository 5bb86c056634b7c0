"""Files left by background jobs expire: one retention sweep for every job model that registers (issue 16).

An app lists its job models whose finished jobs leave a downloadable file in `<app>/retention.py`::

    RETAINED_FILES = [RetainedFiles("datacheck.EvidenceExport", "证据包")]

Such a model has `status` ("done" once its file is written), `finished_at` and `stored_path` (the file). When a
finished job is older than settings.JOB_FILE_RETENTION_DAYS, the sweep (run by the worker's periodic sweeps, see
`SCHEDULED_JOBS` below) deletes its file and clears `stored_path`, the row claimed by a conditional UPDATE so that
two sweeps never race. The row stays, with its status 已完成, SHA-256 and dates: a finished job without its file is
已过期 (`file_expired`), which its page says instead of offering the download. Each expiry sends
`job_file_expired` inside the same transaction; the audit app records it in the audit chain.
"""
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .registry import declared

log = logging.getLogger(__name__)

DONE = "done"
EXPIRED_LABEL = "已过期"

# Sent once per expired file, inside the transaction that clears it: sender = the model, job = the row (as it was,
# `stored_path` included), label = the registration's label, now = the sweep's time.
job_file_expired = Signal()


@dataclass(frozen=True)
class RetainedFiles:
    """A job model whose finished jobs keep a file for download, until the retention period has passed."""

    model: str  # "app_label.ModelName"
    label: str  # what the file is, in words: 证据包, 线索文件
    # A model with a state of its own for an expired file (the ledger export's 已过期) names it here, and the field
    # stamped with the time; the others keep status 已完成 without a file.
    expired: Mapping[str, str] = field(default_factory=dict)
    expired_at_field: str = ""
    days_setting: str = "JOB_FILE_RETENTION_DAYS"  # the setting holding its retention period in days


def registered() -> list[RetainedFiles]:
    return declared("retention", "RETAINED_FILES")


def file_expired(job) -> bool:
    """Whether a finished job's file has been deleted by the retention sweep (已过期)."""
    return job.status == DONE and not job.stored_path


def retention_days(setting: str = "JOB_FILE_RETENTION_DAYS") -> int:
    return int(getattr(settings, setting))


def expire_job_files(now: dt.datetime | None = None, only: str = "") -> dict[str, int]:
    """Delete the files of every registered job model's (or only the model `only`'s) jobs finished more than their
    retention period ago; returns {label: files deleted}."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for entry in registered():
        if only and entry.model != only:
            continue
        model = apps.get_model(entry.model)
        cutoff = now - dt.timedelta(days=retention_days(entry.days_setting))
        marks: dict[str, object] = {"stored_path": "", **entry.expired}
        if entry.expired_at_field:
            marks[entry.expired_at_field] = now
        expired = 0
        stale = model.objects.filter(status=DONE, finished_at__lt=cutoff).exclude(stored_path="").order_by("pk")
        for job in stale.iterator():
            with transaction.atomic():
                claimed = model.objects.filter(pk=job.pk, status=DONE, stored_path=job.stored_path).update(**marks)
                if not claimed:
                    continue
                job_file_expired.send(sender=model, job=job, label=entry.label, now=now)
                Path(job.stored_path).unlink(missing_ok=True)
            expired += 1
        counts[entry.label] = expired
    return counts


def _sweep(should_stop) -> str:
    counts = expire_job_files()
    days = {e.label: retention_days(e.days_setting) for e in registered()}
    done = "，".join(f"{label}（保留 {days[label]} 天）{n} 个" for label, n in counts.items()) or "无登记的任务文件"
    return f"过期任务文件：删除{done}。"


def scheduled_jobs() -> list:
    from .scheduled import ScheduledJob

    return [ScheduledJob(code="core.expire_job_files", label="过期任务文件清理", every_seconds=3600, run=_sweep)]
