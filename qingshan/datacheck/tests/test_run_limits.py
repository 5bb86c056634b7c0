"""A model run's limits in DuckDB (issue 9, defect 7): a wall-clock limit that interrupts the query in hand, a memory
limit, and no access to files or URLs beyond the data sets — each tried for real against DuckDB."""
import time

import duckdb
import pytest
import sqlglot
import time_machine

from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.choices import RunStatus
from qingshan.datacheck.engine.engines import DuckDBEngine
from qingshan.datacheck.limits import RunDeadline
from qingshan.datacheck.models import Hit
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db

SLOW = ("SELECT 'x' AS subject_key, count(*) AS n FROM range(100000000000) AS a(i), range(10) AS b(j) "
        "WHERE a.i + b.j < 0")


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.fixture
def dc(db, settings, tmp_path):
    world = setup_dc(build_world(), settings, tmp_path)
    world.load(row("A", 9), row("B", 1))
    return world


@pytest.fixture
def engine(dc):
    runner = DuckDBEngine(limited=True)
    yield runner
    runner.close()


def test_a_slow_query_is_interrupted_when_the_time_is_up_and_leaves_no_result_table(engine):
    started = time.monotonic()
    with RunDeadline(0.3) as deadline, pytest.raises(duckdb.InterruptException):
        deadline.watch(engine)
        engine.create_result("run_slow", sqlglot.parse_one(SLOW, read="duckdb"), {})
    assert time.monotonic() - started < 5
    assert deadline.message and deadline.message.startswith("运行超过0.3秒，已中止")
    exists = sqlglot.parse_one("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'run_slow'", read="duckdb")
    assert engine.fetch(exists, {})[1] == [(0,)]


def test_a_model_reads_no_file_outside_its_data_sets(engine):
    with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
        engine.fetch(sqlglot.parse_one("SELECT * FROM read_csv('/etc/passwd')", read="duckdb"), {})
    # The data sets themselves and the run's own results file stay readable and writable.
    engine.create_result("run_ok", sqlglot.parse_one("SELECT site AS subject_key FROM ds_dc_sites", read="duckdb"), {})
    table = engine.result_table("run_ok").sql(dialect="duckdb")
    assert engine.fetch(sqlglot.parse_one(f"SELECT count(*) FROM {table}", read="duckdb"), {})[1] == [(2,)]


def test_the_memory_limit_comes_from_the_settings(dc, settings):
    settings.DUCKDB_MEMORY_LIMIT = "300MB"
    runner = DuckDBEngine(limited=True)
    try:
        limit = runner.fetch(sqlglot.parse_one("SELECT current_setting('memory_limit')", read="duckdb"), {})[1]
    finally:
        runner.close()
    assert limit == [("286.1 MiB",)]  # DuckDB shows 300 MB in MiB


def test_an_over_time_run_fails_with_the_limit_in_its_message_and_writes_no_hit(dc, settings):
    settings.MODEL_TIMEOUT_SECONDS = 0
    model = make_model(dc)
    run = services.run_start(actor=dc.officer, model=model, background=True)
    run_queued_jobs()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "运行超过0秒，已中止。请缩小模型的数据范围，或联系管理员调整运行时限。"
    assert not Hit.objects.exists() and run.new_hits == 0


def test_a_run_in_time_is_unaffected(dc, settings):
    settings.MODEL_TIMEOUT_SECONDS = 60
    model = make_model(dc)
    run = services.run_start(actor=dc.officer, model=model, background=True)
    run_queued_jobs()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and Hit.objects.get().subject_key == "A"


def test_a_run_whose_worker_was_killed_is_failed_with_a_clear_message(dc):
    from qingshan.core.jobs import recover_interrupted
    from qingshan.core.worker import claim_next

    run = services.run_start(actor=dc.officer, model=make_model(dc), background=True)
    assert run.status == RunStatus.QUEUED
    claim_next("killed-worker")
    type(run).objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # it had started when the worker died
    assert recover_interrupted() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "后台任务中断（工作进程已停止），请重新提交。"
    assert not Hit.objects.exists()
