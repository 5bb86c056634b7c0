"""The reminder sweep over N open deadlines on PostgreSQL: time and peak memory, beside a bare query's.

Usage: .venv/bin/python bench/bench_sweep.py [--problems 1000000] [--db-url URL] [--tracemalloc]
Each run rebuilds its data in the benchmark database (default postgres://postgres@127.0.0.1:5432/
qingshan_bench_sweep): the small test world, then N signed problems of one unit written by one INSERT … SELECT
FROM generate_series, with handling deadlines 1–365 days ahead except every 50th, 1–20 days overdue (2 %, about the
demo's share). It then times, on a fixed Wednesday (2026-06-10 10:00), the first sweep (stages, inbox fan-out,
system escalations through the problems' service with their audit events), a second sweep (nothing new: the
no-op cost a cron job pays every minute), and the baselines over the same rows: `SELECT count(*)` and
`SELECT id, handle_deadline` fetched into Python. Peak memory: resource.getrusage max RSS (whole process) and,
with --tracemalloc, Python's own peak during the first sweep (tracemalloc slows Python down; time that run apart).
"""
import argparse
import datetime as dt
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import _ensure_database  # noqa: E402 - the path above makes `bench` importable

NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OPEN_STATES_SQL = "('dispatched', 'signed', 'in_progress')"


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=1_000_000)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench_sweep"))
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations in the first sweep")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    _ensure_database(args.db_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _build(connection, args.problems)
    print(f"built {args.problems:,} open problems in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    import time_machine

    from qingshan.reminders.models import Notification, Reminder
    from qingshan.reminders.sweep import run_sweep

    rss_before = max_rss_mb()
    with time_machine.travel(NOW, tick=True):
        if args.tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        first = run_sweep(now=NOW)
        first_s = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        tracemalloc.stop()
        rss_after_first = max_rss_mb()
        started = time.perf_counter()
        second = run_sweep(now=NOW)
        second_s = time.perf_counter() - started

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM problems_problem WHERE state IN {OPEN_STATES_SQL}")
        counted = cursor.fetchone()[0]
        count_s = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"SELECT id, handle_deadline FROM problems_problem WHERE state IN {OPEN_STATES_SQL}")
        fetched = len(cursor.fetchall())
        fetch_s = time.perf_counter() - started
    rss_end = max_rss_mb()

    reminders, notifications = Reminder.objects.count(), Notification.objects.count()
    print(f"\n{counted:,} open deadlines on PostgreSQL ({connection.pg_version}), sweep at {NOW:%Y-%m-%d %H:%M}")
    print(f"first sweep:  {first_s:8.2f} s  {first.summary().splitlines()[0]}")
    print(f"              {reminders:,} reminders, {notifications:,} inbox rows in total")
    print("              phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in first.seconds.items()))
    print(f"second sweep: {second_s:8.3f} s  {second.summary().splitlines()[0]}")
    print("              phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in second.seconds.items()))
    print(f"baseline SELECT count(*):                {count_s:8.3f} s")
    print(f"baseline SELECT id, deadline (fetched):  {fetch_s:8.3f} s  ({fetched:,} rows)")
    print(f"ratios: first sweep / fetch-all = {first_s / fetch_s:.1f}x; second sweep / count(*) = "
          f"{second_s / count_s:.1f}x; second sweep / fetch-all = {second_s / fetch_s:.2f}x")
    print(f"max RSS: {rss_before:.0f} MB before the sweeps, {rss_after_first:.0f} MB after the first, "
          f"{rss_end:.0f} MB after the fetch-all baseline")
    if traced_peak is not None:
        print(f"tracemalloc peak during the first sweep: {traced_peak:.1f} MB (timing above includes its overhead)")


def _build(connection, n: int) -> None:
    """Empty the benchmark database's tables and write the world and N open problems in bulk."""
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models() if m._meta.app_label not in ("contenttypes", "auth")
              and m._meta.managed and not m._meta.proxy]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")
    from qingshan.problems.models import Problem
    from qingshan.problems.testing.world import build_world

    w = build_world()
    today = NOW.date()
    values = {
        "number": "'B' || lpad(g::text, 9, '0')", "title": "'基准问题 ' || g", "description": "'基准数据'",
        "source_id": str(w.inspection.pk), "category_id": str(w.water_pollution.pk), "region_id": str(w.city.pk),
        "region_path": f"'{w.city.path}'", "location": "''", "urgency": "'normal'", "state": "'signed'",
        "received_at": "%(ts)s", "received_on": "%(today)s::date - 30", "created_by_id": str(w.officer.pk),
        "supervising_org_id": str(w.office.pk), "lead_unit_id": str(w.eco.pk),
        "sign_deadline": "%(today)s::date - 29",
        # Every 50th problem is 1–20 days overdue; the rest fall due over the coming year.
        "handle_deadline": ("CASE WHEN g %% 50 = 0 THEN %(today)s::date - (1 + g %% 20) "
                            "ELSE %(today)s::date + (1 + g %% 365) END"),
        "first_dispatched_at": "%(ts)s", "dispatched_at": "%(ts)s", "signed_at": "%(ts)s", "signed_on_time": "true",
        "review_count": "0", "rejection_count": "0", "urge_count": "0", "reassign_count": "0",
        "escalation_level": "0", "reply_text": "''", "is_restricted": "false", "updated_at": "%(ts)s",
    }
    values["original_handle_deadline"] = values["handle_deadline"]
    columns = [f.column for f in Problem._meta.concrete_fields if f.column != "id"]
    select = ", ".join(values.get(c, "NULL") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO problems_problem ({', '.join(columns)}) SELECT {select} "
                       f"FROM generate_series(1, %(n)s) AS g", {"ts": NOW - dt.timedelta(days=30), "today": today,
                                                               "n": n})


if __name__ == "__main__":
    main()
