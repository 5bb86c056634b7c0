"""Server time of 整改清单 (the rectification list) at N items, beside the stack's minimal view in the same run.

Usage: .venv/bin/python bench/bench_rectification.py [--items 100000] [--runs 5] [--requests 20]
                                                      [--db-url postgres://postgres@127.0.0.1:5432/qs_rect_bench]
Builds (once; reused when it already holds N items) the shared test world's organisations plus 200 more units, one
campaign and N items spread over the units, states and colours (bulk rows: the list reads only stored columns),
then VACUUM ANALYZE. Each run times --requests requests per page after one warm-up, in-process through Django's
test client (server time: routing, middleware, session, the scoped query, the paginator, the template):
  * baseline: /bench/minimal/ (same middleware, session and user lookup, a trivial response);
  * the list as the city office (sees every item), first page and a filtered page (红牌), and as a unit handler
    (its own items only);
  * the list filtered to nothing by an indexed filter: the page's frame alone (navigation, reminder badge,
    layout), which every page of the app pays; and a keyword search that matches nothing (on PostgreSQL served by
    the trigram indexes of rectification 0002).
Prints per page the median of the run medians, their range, p95 over all requests, and the ratio of the median to
the baseline's.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _build(n: int, connection) -> None:
    import datetime as dt
    from types import SimpleNamespace

    from django.core.management import call_command
    from django.utils import timezone

    from qingshan.orgs.choices import OrgKind
    from qingshan.orgs.models import Organisation
    from qingshan.orgs.testing.world import build_org_world
    from qingshan.rectification.choices import Progress, State, WarningColour
    from qingshan.rectification.models import Campaign, Item

    call_command("migrate", verbosity=0)
    if Item.objects.count() == n:
        return
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    w = build_org_world(SimpleNamespace())
    units = [w.eco, w.water, w.lvshui_housing, w.jiangan_urban] + Organisation.objects.bulk_create([
        Organisation(name=f"基准责任单位{i:03d}", kind=OrgKind.UNIT, region=w.lvshui if i % 2 else w.jiangan)
        for i in range(200)])
    campaign = Campaign.objects.create(name="第二轮中央生态环境保护督察反馈问题整改", year=2026,
                                       commission=w.commission, created_by=w.officer, created_at=timezone.now())
    states = [State.PLANNING] + [State.IN_PROGRESS] * 5 + [State.APPLIED, State.CHECKED, State.NOTICE, State.CLOSED]
    colours = [WarningColour.GREEN] * 6 + [WarningColour.YELLOW] * 3 + [WarningColour.RED]
    day0 = dt.date(2026, 3, 2)
    batch = []
    for i in range(n):
        unit = units[i % len(units)]
        region = unit.region
        deadline = day0 + dt.timedelta(days=i % 700)
        batch.append(Item(
            campaign=campaign, number=f"ZG-2026-{i + 1:06d}", title=f"督察反馈问题{i + 1}", feedback="反馈问题",
            region=region, region_path=region.path, supervising_org=w.group if unit == w.eco else w.office,
            lead_unit=unit, deadline=deadline, original_deadline=deadline, state=states[i % len(states)],
            progress=Progress.ONGOING, warning=colours[(i // 7) % len(colours)], created_by=w.officer,
            created_at=timezone.now()))
        if len(batch) == 5000:
            Item.objects.bulk_create(batch)
            batch = []
    Item.objects.bulk_create(batch)
    print(f"built {n:,} items in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page and run")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qs_rect_bench"))
    args = parser.parse_args()
    args.runs = max(3, args.runs)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    _ensure_database(args.db_url)
    os.environ["DATABASE_URL"] = args.db_url

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from qingshan.orgs.models import User

    _build(args.items, connection)
    officer, unit = Client(), Client()
    officer.force_login(User.objects.get(username="officer"))
    unit.force_login(User.objects.get(username="eco_handler"))
    pages = [("基线：最小视图", officer, "/bench/minimal/"),
             ("整改清单（市纪委部室，全部）", officer, "/rectification/items/"),
             ("整改清单（市纪委部室，红牌筛选）", officer, "/rectification/items/?warning=red"),
             ("整改清单（责任单位经办人）", unit, "/rectification/items/"),
             # The same page with no row through an indexed filter: what every page of the app costs (navigation,
             # reminder badge, layout) …
             ("整改清单（无结果：页面框架）", officer, "/rectification/items/?lead_unit=0"),
             # … and a keyword that matches nothing (trigram indexes on PostgreSQL, rectification 0002).
             ("整改清单（关键词无命中）", officer, "/rectification/items/?q=无此事项")]
    samples: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    medians: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    load = os.getloadavg()
    for _ in range(args.runs):
        for label, client, url in pages:
            assert client.get(url).status_code == 200  # warm-up
            run = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                response = client.get(url)
                run.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            samples[label] += run
            medians[label].append(statistics.median(run))
    base = statistics.median(medians[pages[0][0]])
    print(f"\n{args.items:,} items, {connection.vendor}, {args.runs} runs × {args.requests} requests, "
          f"load average {load[0]:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"{'page':<36} {'median ms':>10} {'range ms':>16} {'p95 ms':>8} {'ratio':>7}")
    for label, _, _ in pages:
        med = statistics.median(medians[label])
        low, high = min(medians[label]), max(medians[label])
        print(f"{label:<36} {med:>10.1f} {low:>7.1f}–{high:<8.1f} {percentile(samples[label], 95):>8.1f} "
              f"{med / base:>6.1f}×")


if __name__ == "__main__":
    main()
