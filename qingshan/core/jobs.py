"""Background jobs: Django's tasks API (the django-tasks backport) on its database backend, so a job is a row that
survives a restart, on SQLite as on PostgreSQL.

An app declares its jobs in `<app>/tasks.py` with `@job(on_interrupted=...)`, enqueues them inside the transaction
that records the work (the row appears with the commit, or not at all) and keeps its own status on its own record
(an import batch, a model run); `manage.py run_worker` runs them. A job whose worker died mid-run (killed, machine
down) stays 运行中 in the queue: `recover_interrupted()` finds it by its worker's stale heartbeat, lets the job's
`on_interrupted` mark its record 失败 with INTERRUPTED, and fails the queue row.
"""
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

log = logging.getLogger(__name__)

INTERRUPTED = "后台任务中断（工作进程已停止），请重新提交。"
READY, RUNNING, SUCCESSFUL, FAILED = "READY", "RUNNING", "SUCCESSFUL", "FAILED"
# The queue's states as a user reads them (the records' own statuses say the same words).
STATUS_LABELS = {READY: "排队中", RUNNING: "运行中", SUCCESSFUL: "已完成", FAILED: "失败"}

# task path -> what marks the job's own record failed when its worker died; filled as each tasks module is imported.
_on_interrupted: dict[str, Callable[..., None]] = {}


class WorkerInterrupted(Exception):
    """Recorded on a queue row whose worker stopped while running it."""


def job(*, on_interrupted: Callable[..., None] | None = None, **options: Any) -> Callable:
    """Declare a background job (a django-tasks task); `on_interrupted(*args, **kwargs)` gets the job's arguments
    when its worker dies mid-run and must leave the job's record 失败 with INTERRUPTED (and clean up after it)."""
    def declare(function: Callable) -> Any:
        declared = task(**options)(function)
        if on_interrupted is not None:
            _on_interrupted[declared.module_path] = on_interrupted
        return declared
    return declare


def _stale_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def _dead_here(beat: WorkerHeartbeat) -> bool:
    """A worker on this machine whose process is gone is dead now, whatever its last heartbeat says."""
    if beat.host != socket.gethostname() or beat.pid == os.getpid():
        return False
    try:
        os.kill(beat.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _interrupted_rows() -> list[DBTaskResult]:
    """Jobs still 运行中 whose worker has stopped: silent for JOB_STALE_SECONDS, gone from this machine, or never
    heard of (a worker that died before its first heartbeat)."""
    running = [row for row in DBTaskResult.objects.filter(status=RUNNING) if row.worker_ids]
    if not running:
        return []
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in={r.worker_ids[-1] for r in running})}
    cutoff = _stale_cutoff()

    def dead(worker_id: str) -> bool:
        beat = beats.get(worker_id)
        return beat is None or beat.seen_at < cutoff or _dead_here(beat)

    return [row for row in running if dead(row.worker_ids[-1])]


def recover_interrupted() -> int:
    """Fail every job left 运行中 by a dead worker, after its `on_interrupted` has failed its record; returns how many.
    Safe to run from several workers at once: each row is taken with a conditional UPDATE first."""
    recovered = 0
    for row in _interrupted_rows():
        with transaction.atomic():
            taken = DBTaskResult.objects.filter(pk=row.pk, status=RUNNING).update(
                status=FAILED, finished_at=timezone.now(), return_value=None,
                exception_class_path=f"{__name__}.{WorkerInterrupted.__qualname__}", traceback=INTERRUPTED)
            if not taken:
                continue
            try:
                row.task  # noqa: B018 -- importing the task registers its on_interrupted
            except Exception:  # noqa: BLE001 -- a job whose code is gone still leaves the queue
                log.warning("interrupted job %s: task %s cannot be imported", row.pk, row.task_path)
            handler = _on_interrupted.get(row.task_path)
            if handler is not None:
                handler(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        log.warning("job %s (%s) was interrupted: its worker stopped", row.pk, row.task_path)
        recovered += 1
    WorkerHeartbeat.objects.filter(seen_at__lt=_stale_cutoff() - dt.timedelta(days=1)).delete()
    return recovered


def queue_health() -> dict:
    """For /healthz: the age of the oldest waiting job and the jobs stuck with a dead worker. 'error' when a job
    has waited longer than JOB_STALE_SECONDS with no live worker to take it, or a dead worker holds a job."""
    now = timezone.now()
    oldest = DBTaskResult.objects.ready().aggregate(at=Min("enqueued_at"))["at"]
    waiting = round((now - oldest).total_seconds(), 1) if oldest else 0.0
    live = WorkerHeartbeat.objects.filter(seen_at__gte=_stale_cutoff()).count()
    stuck = len(_interrupted_rows())
    report = {"oldest_queued_seconds": waiting, "workers": live, "stuck_running": stuck}
    unserved = waiting > settings.JOB_STALE_SECONDS and not live
    return {"status": "error" if unserved or stuck else "ok", **report}


def jobs_by_status() -> dict[str, int]:
    """Queue rows by state, for /metrics."""
    rows = DBTaskResult.objects.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
