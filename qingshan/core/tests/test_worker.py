"""The job queue and its worker: jobs are rows run by the worker, a dead worker's job is failed with a clear
message, and /healthz and /metrics report the queue."""
import datetime as dt
import io
import os
import socket

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qingshan.core.jobs import INTERRUPTED, recover_interrupted
from qingshan.core.models import WorkerHeartbeat
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.core.worker import claim_next

from . import queued

pytestmark = pytest.mark.django_db


def _beat(worker_id, *, seconds_ago=0, pid=None, host=None):
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, host=host or socket.gethostname(), pid=pid or os.getpid(),
                                   started_at=at, seen_at=at)


def test_a_queued_job_is_a_row_until_the_worker_runs_it():
    queued.echo.enqueue("hello")
    row = DBTaskResult.objects.get()
    assert row.status == "READY" and row.task_path == "qingshan.core.tests.queued.echo"
    assert run_queued_jobs() == 1
    row.refresh_from_db()
    assert (row.status, row.return_value) == ("SUCCESSFUL", "HELLO")


@pytest.mark.parametrize(("beat", "recovered"), [
    (None, True),  # the worker died before its first heartbeat
    ({"seconds_ago": 3600}, True),  # silent for longer than JOB_STALE_SECONDS
    ({"seconds_ago": 0, "pid": 2**22 + 12345}, True),  # on this machine, and its process is gone
    ({"seconds_ago": 0}, False),  # alive: its job is left alone
])
def test_a_job_whose_worker_stopped_is_failed_with_a_clear_message(beat, recovered):
    queued.INTERRUPTED.clear()
    queued.echo.enqueue("lost")
    if beat is not None:
        _beat("w-1", **beat)
    assert claim_next("w-1") is not None  # a real row, 运行中 under worker w-1, as a killed worker leaves it
    assert recover_interrupted() == int(recovered)
    row = DBTaskResult.objects.get()
    if recovered:
        assert row.status == "FAILED" and row.traceback == INTERRUPTED == "后台任务中断（工作进程已停止），请重新提交。"
        assert queued.INTERRUPTED == ["lost"]  # the job's own record was failed too
    else:
        assert row.status == "RUNNING" and queued.INTERRUPTED == []
    assert recover_interrupted() == 0  # once only


def test_the_worker_command_runs_the_jobs_and_the_periodic_sweeps(settings):
    queued.echo.enqueue("x")
    out = io.StringIO()
    call_command("run_worker", "--once", stdout=out)
    text = out.getvalue()
    assert "后台工作进程" in text and "已启动" in text and "到期模型 0 个" in text and "后台工作进程已停止。" in text
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not WorkerHeartbeat.objects.exists()  # a worker that stopped cleanly leaves no heartbeat behind


def test_healthz_reports_a_queue_nobody_serves_and_a_stuck_job(client, settings):
    settings.JOB_STALE_SECONDS = 60
    queued.echo.enqueue("waiting")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=600))
    response = client.get("/healthz")
    queue = response.json()["checks"]["job_queue"]
    assert response.status_code == 503 and queue["status"] == "error" and queue["workers"] == 0
    assert queue["oldest_queued_seconds"] >= 600
    _beat("w-live")
    assert client.get("/healthz").json()["checks"]["job_queue"]["status"] == "ok"  # a live worker will take it
    claim_next("w-dead")
    stuck = client.get("/healthz").json()["checks"]["job_queue"]
    assert stuck["status"] == "error" and stuck["stuck_running"] == 1


def test_metrics_count_the_queue_by_state(client):
    queued.echo.enqueue("a")
    queued.echo.enqueue("b")
    run_queued_jobs(limit=1)
    text = client.get("/metrics").content.decode()
    assert 'qingshan_job_queue{status="ready"} 1' in text and 'qingshan_job_queue{status="successful"} 1' in text
    assert 'qingshan_job_queue{status="failed"} 0' in text
