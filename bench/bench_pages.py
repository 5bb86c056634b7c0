"""Server time of the main pages on a large PostgreSQL database, beside the same stack's minimal view.

Usage: .venv/bin/python bench/bench_pages.py [--problems 1000000] [--requests 200] [--db-url URL] [--explain]
Builds the demo city with N problems in the benchmark database (once; reused when it already holds N), vacuums and
analyses it (as autovacuum would have on a live system), then times each page in-process through Django's test
client (server time: URL routing, middleware, session, queries, template rendering; no network), and prints p50/p95
per page and the ratio of p95 to the minimal view's p95. --explain then prints, per page, its queries' total time
and the slowest ones with EXPLAIN ANALYZE: where to look when a page misses its goal.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench"))
    parser.add_argument("--explain", action="store_true", help="print each page's slowest queries, explained")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    _ensure_database(args.db_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from qingshan.access.problems import visible_problems
    from qingshan.orgs.models import User
    from qingshan.problems.models import Problem

    call_command("migrate", verbosity=0)
    existing = Problem.objects.count()
    if existing != args.problems:
        if existing:
            print(f"benchmark database holds {existing} problems, rebuilding with {args.problems}")
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", problems=args.problems, seed=2026)
        seconds = time.perf_counter() - started
        print(f"built {args.problems:,} problems in {seconds:.0f} s ({args.problems / seconds:.0f} problems/s)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # a bulk load leaves no visibility map: index-only scans would visit the heap
    print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")

    def client_for(username: str) -> Client:
        client = Client()
        client.user = User.objects.get(username=username)
        client.force_login(client.user)
        return client

    officer = client_for(_demo_user("office_staff"))
    handler = client_for(_demo_user("unit_handler"))
    leader = client_for(_demo_user("commission_leader"))
    # Closed problems the officer may open (a restricted one would rightly answer 404).
    sample = list(visible_problems(officer.user).filter(state="closed").order_by("-id")
                  .values_list("pk", flat=True)[:args.requests])
    region = Problem.objects.order_by("-id").values_list("region_id", flat=True).first()
    cases = [
        ("baseline: minimal view", officer, lambda i: "/bench/minimal/"),
        ("problem list (filtered)", officer,
         lambda i: f"/problems/?state=in_progress&region={region}&page={1 + i % 5}"),
        ("problem detail", officer, lambda i: f"/problems/{sample[i % len(sample)]}/"),
        ("inbox (unit handler)", handler, lambda i: "/inbox/"),
        ("inbox (commission officer)", officer, lambda i: "/inbox/"),
        ("KPI page (by region, this year)", leader, lambda i: "/dashboards/kpi/"),
    ]
    results = []
    load_before = os.getloadavg()
    for name, client, url_for in cases:
        for i in range(5):  # warm caches and connections
            client.get(url_for(i))
        times = []
        for i in range(args.requests if "KPI" not in name else max(20, args.requests // 5)):
            started = time.perf_counter()
            response = client.get(url_for(i))
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        results.append((name, statistics.median(times), percentile(times, 95), len(times)))
    base_p95 = results[0][2]
    load_after = os.getloadavg()
    print(f"\nload average (1/5/15 min) before timing {_load(load_before)}, after {_load(load_after)}; "
          f"{os.cpu_count()} CPUs")
    print(f"\n{args.problems:,} problems on PostgreSQL; server time per request in ms")
    print(f"{'page':34} {'n':>5} {'p50':>8} {'p95':>8} {'p95/baseline':>13}")
    for name, p50, p95, n in results:
        print(f"{name:34} {n:5d} {p50:8.1f} {p95:8.1f} {p95 / base_p95:12.1f}x")
    if args.explain:
        for name, client, url_for in cases:
            _explain(connection, name, client, url_for(0))


def _explain(connection, name: str, client, url: str, slowest: int = 3) -> None:
    """One request of the page: its query count and database time, then its slowest queries with their plans."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    total = sum(float(q["time"]) for q in queries) * 1000
    print(f"\n== {name} ({url}): {len(queries)} queries, {total:.1f} ms in the database")
    for query in queries[:slowest]:
        print(f"-- {float(query['time']) * 1000:.1f} ms: {query['sql']}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _demo_user(role: str) -> str:
    from qingshan.orgs.models import Membership

    return Membership.objects.filter(role=role).order_by("id").values_list("user__username", flat=True).first()


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
