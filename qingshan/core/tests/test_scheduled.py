"""One command runs every app's periodic jobs, found through the plug-in registry; `sweep` and `run_models` remain
as aliases that run one job each."""
import datetime as dt
import os
import signal
import threading
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from qingshan.core.registry import plugins
from qingshan.core.scheduled import ScheduledJob, scheduled_jobs
from qingshan.reminders import scheduled as reminder_jobs

MONDAY = dt.datetime(2026, 3, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_registry_finds_the_sweep_and_the_model_runs():
    assert sorted(job.code for job in scheduled_jobs()) == [
        "core.expire_job_files", "dashboards.fact_fold", "dashboards.snapshot_check", "dashboards.snapshot_compact",
        "datacheck.models", "intake.dedup", "rectification.warnings", "reminders.sweep"]
    assert {m.__name__ for m in plugins("scheduled")} >= {"qingshan.reminders.scheduled",
                                                          "qingshan.datacheck.scheduled"}


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_run_scheduled_runs_each_job_once(db, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    lines = sorted(_run("run_scheduled").splitlines())
    assert len(lines) == 8 and lines[5].startswith("本轮扫描：无新提醒")
    assert lines[:5] == ["到期模型 0 个，已排入后台运行。", "指标事实更新：更新问题 0 个。",
                         "指标快照合并：合并掉 0 行。", "指标快照核对：与实时计数一致。",
                         "整改预警：0 个事项的预警已更新。"]
    assert lines[6] == "疑似重复扫描：比对新问题 0 个，新发现疑似重复 0 组。"
    # core's own: one sweep of the files of every registered job model
    assert lines[7] == ("过期任务文件：删除证据包（保留 7 天）0 个，线索文件（保留 7 天）0 个，"
                        "台账导出文件（保留 7 天）0 个。")


def test_only_runs_the_named_job_and_an_unknown_name_is_refused(db, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    assert _run("run_scheduled", "--only", "datacheck.models").strip() == "到期模型 0 个，已排入后台运行。"
    with pytest.raises(CommandError, match="没有这个定时任务：reminders.swep"):
        _run("run_scheduled", "--only", "reminders.swep")


def test_the_alias_commands_run_one_job_each(db, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    assert _run("sweep").startswith("本轮扫描：无新提醒")
    assert _run("run_models").strip() == "到期模型 0 个，已排入后台运行。"


@pytest.fixture
def fake_jobs(monkeypatch):
    """The sweep replaced by a failing job and a counting one (declared like any app's jobs)."""
    calls = []

    def broken(should_stop):
        raise RuntimeError("磁盘已满")

    def counted(should_stop):
        calls.append(should_stop())
        return "计数任务完成。"

    monkeypatch.setattr(reminder_jobs, "SCHEDULED_JOBS", [
        ScheduledJob(code="tests.broken", label="坏任务", every_seconds=30, run=broken),
        ScheduledJob(code="tests.counted", label="计数任务", every_seconds=30, run=counted),
    ])
    return calls


def test_a_failing_job_does_not_stop_the_others_and_cron_sees_the_failure(db, fake_jobs):
    with pytest.raises(CommandError, match="坏任务出错：磁盘已满"):
        _run("run_scheduled", "--only", "tests.broken", "--only", "tests.counted")
    assert fake_jobs == [False]


def test_the_loop_stops_cleanly_on_sigterm(db, fake_jobs):
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        out = _run("run_scheduled", "--loop", "--only", "tests.counted")  # returns long before the 30 s interval
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert out.splitlines() == ["计数任务完成。", "定时任务已停止。"] and fake_jobs == [False]
