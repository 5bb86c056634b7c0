"""The one background process (`manage.py run_worker`): it runs the queued jobs one at a time and, between them, the
periodic jobs every app declares (`<app>/scheduled.py`, what `run_scheduled --loop` runs), and fails the jobs of
workers that died.

Jobs are claimed and run by django-tasks-db's own worker code (a row lock, `skip_locked` on PostgreSQL, an
exclusive transaction on SQLite), so several workers may run side by side. A heartbeat thread marks this worker
alive while a long job runs; SIGTERM lets the job in hand finish, then the loop leaves.
"""
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from .jobs import recover_interrupted
from .models import WorkerHeartbeat
from .scheduled import Scheduler, scheduled_jobs

log = logging.getLogger(__name__)


def claim_next(worker_id: str, backend_name: str = "default") -> DBTaskResult | None:
    """Take the next ready job for `worker_id` (as django-tasks-db's worker does), or None when the queue is empty."""
    tasks = DBTaskResult.objects.ready().filter(backend_name=backend_name)
    try:
        with exclusive_transaction(tasks.db):
            row = tasks.get_locked()
            if row is not None:
                row.claim(worker_id)
            return row
    except OperationalError as exc:
        if is_locked_database_exception(exc):
            return None  # SQLite busy: try again on the next turn
        raise


def _task_runner(worker_id: str) -> DBWorker:
    return DBWorker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id=worker_id, excluded_queue_names=[])


def run_one(worker_id: str) -> bool:
    """Claim and run one job to its end (successful, or failed with its exception); False when none was ready."""
    row = claim_next(worker_id)
    if row is None:
        return False
    _task_runner(worker_id).run_task(row)
    return True


class Heartbeat:
    """Touches this worker's heartbeat row every JOB_HEARTBEAT_SECONDS from a thread of its own."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.stop = threading.Event()
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={
            "host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "seen_at": now})
        self.thread = threading.Thread(target=self._beat, name=f"worker-heartbeat-{worker_id}", daemon=True)

    def _beat(self) -> None:
        try:
            while not self.stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(seen_at=timezone.now())
                except Exception:  # noqa: BLE001 -- a busy database now and then must not kill the heartbeat
                    log.warning("worker heartbeat not written", exc_info=True)
        finally:
            connection.close()

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def run_worker(*, write: Callable[[str], None], only_jobs: bool = False, once: bool = False,
               stop: threading.Event | None = None, worker_id: str | None = None) -> None:
    """Run jobs and periodic work until SIGTERM/SIGINT or `stop` is set (with `once`, until the queue is empty).
    Interrupted jobs of dead workers are failed at start and every JOB_STALE_SECONDS / 2."""
    worker_id = worker_id or f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"
    if stop is None:
        stop = threading.Event()
        if not once:
            def on_signal(signum: int, frame: object) -> None:
                stop.set()
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
    scheduler = Scheduler([] if only_jobs else scheduled_jobs())
    next_recovery = 0.0
    with Heartbeat(worker_id):
        write(f"后台工作进程 {worker_id} 已启动。")
        while not stop.is_set():
            if not connection.in_atomic_block:  # (a test runs the loop inside its own transaction)
                close_old_connections()  # a long-lived process must not keep a connection the database dropped
            if time.monotonic() >= next_recovery:
                if recovered := recover_interrupted():
                    write(f"{recovered} 个后台任务因工作进程停止而中断，已标记为失败。")
                next_recovery = time.monotonic() + settings.JOB_STALE_SECONDS / 2
            summary = scheduler.run_due(stop.is_set)
            if summary:
                write(summary)
            ran = run_one(worker_id)
            if once and not ran:
                return
            if not ran:
                stop.wait(settings.JOB_POLL_SECONDS)
