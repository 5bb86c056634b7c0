"""一键分析, the 体检报告 and their Word files, beside 一图总览 on the same data in the same run.

Usage: .venv/bin/python bench/bench_analysis.py [--problems 100000] [--runs 3] [--db-url URL]

Builds N problems received over 2025-01..2026-06 in 8 districts, led by 40 units (a few planted slow ones), in a
scratch database (SQLite in a temporary directory by default; --db-url for PostgreSQL), then alternates, `--runs`
times, as the commission officer, for the period 2026-03-01..2026-03-31 (as of 04-30):

  overview  dashboards.overview_page.build_overview (the page 一键分析 is started from): the baseline
  analysis engine.analyse with the seeded rules (period, previous period, year earlier, by unit, by district)
  word      word.analysis_docx of that analysis (docxtpl rendering of the built-in template)
  health    health.unit_health of one unit (peers, rectification, accountability, hits, red items, months)

Prints each run, the median and range of each, and the ratios of the medians to the overview's.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_url: str | None, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ["QINGSHAN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(n: int):
    import datetime as dt
    import random
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from qingshan.orgs.choices import OrgKind
    from qingshan.orgs.models import Organisation, Region
    from qingshan.orgs.services import region_save
    from qingshan.orgs.testing.world import build_org_world
    from qingshan.problems.models import Category, Problem, Source

    rng = random.Random(13)
    zone = ZoneInfo("Asia/Shanghai")
    w = build_org_world(SimpleNamespace())
    districts = [w.lvshui, w.jiangan] + [region_save(region=Region(code=f"3399{i:02d}", name=f"第{i}区",
                                                                   parent=w.city)) for i in range(3, 9)]
    units = [Organisation.objects.create(name=f"市第{i}局", kind=OrgKind.UNIT, region=w.city) for i in range(40)]
    source = Source.objects.create(code="inspection", name="现场检查")
    category = Category.objects.create(code="water", name="水污染")
    start, days = dt.date(2025, 1, 1), 540
    batch = []
    for i in range(n):
        received = start + dt.timedelta(days=rng.randrange(days))
        unit = units[rng.randrange(len(units))]
        region = districts[rng.randrange(len(districts))]
        deadline = received + dt.timedelta(days=20)
        slow = unit.pk % 13 == 0
        outcome = rng.random()
        at = dt.datetime.combine(received, dt.time(10), tzinfo=zone)
        closed = outcome < (0.5 if slow else 0.9)
        rejected = 1 if rng.random() < 0.05 else 0
        batch.append(Problem(
            number=f"B{i:07d}", title="入河排污口未整治", description="直排", source=source, category=category,
            region=region, region_path=region.path, received_at=at, received_on=received, created_by=w.officer,
            supervising_org=w.office, lead_unit=unit, state="closed" if closed else "in_progress",
            sign_deadline=received + dt.timedelta(days=1), handle_deadline=deadline,
            original_handle_deadline=deadline, first_dispatched_at=at, dispatched_at=at, signed_at=at,
            signed_on_time=True, closed_at=at + dt.timedelta(days=15) if closed else None,
            closed_on_time=True if closed else None, replied_at=at + dt.timedelta(days=14) if closed else None,
            replied_on_time=True if closed else None, review_count=1 + rejected if closed else 0,
            rejection_count=rejected if closed else 0, urge_count=1 if rng.random() < 0.1 else 0))
        if len(batch) == 5000:
            Problem.objects.bulk_create(batch)
            batch = []
    Problem.objects.bulk_create(batch)
    return w, units


def _time(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        _setup(args.db_url, data_dir)
        import datetime as dt

        from qingshan.core.overview import Scope
        from qingshan.dashboards.analysis.engine import analyse
        from qingshan.dashboards.analysis.health import unit_health
        from qingshan.dashboards.analysis.word import analysis_docx
        from qingshan.dashboards.overview_page import build_overview
        from qingshan.dashboards.selectors import overview_districts

        started = time.perf_counter()
        w, units = _build(args.problems)
        print(f"built {args.problems} problems in {time.perf_counter() - started:.1f} s; load {os.getloadavg()}")

        def scope():
            return Scope(user=w.officer, received_from=dt.date(2026, 3, 1), received_to=dt.date(2026, 3, 31),
                         as_of=dt.date(2026, 4, 30))

        districts = overview_districts(w.officer)
        times: dict[str, list[float]] = {"overview": [], "analysis": [], "word": [], "health": []}
        findings = 0
        for run in range(args.runs):
            ms, _ = _time(lambda: build_overview(scope(), districts, "overdue"))
            times["overview"].append(ms)
            ms, analysis = _time(lambda: analyse(scope()))
            times["analysis"].append(ms)
            findings = len(analysis.findings)
            ms, data = _time(lambda a=analysis: analysis_docx(a, scope_name="全市"))
            times["word"].append(ms)
            ms, _ = _time(lambda: unit_health(scope=scope(), unit=units[13]))
            times["health"].append(ms)
            print(f"run {run + 1}: " + "  ".join(f"{k} {v[-1]:.0f} ms" for k, v in times.items())
                  + f"  (findings {findings}, docx {len(data)} bytes, load {os.getloadavg()[0]:.1f})")
        base = statistics.median(times["overview"])
        for key, values in times.items():
            middle = statistics.median(values)
            print(f"{key}: median {middle:.0f} ms (range {min(values):.0f}–{max(values):.0f}), "
                  f"ratio to overview {middle / base:.2f}")


if __name__ == "__main__":
    main()
