"""The 问题清单 ledger export at 1,000,000 rows on PostgreSQL: time and peak memory, beside two baselines.

Usage: .venv/bin/python bench/bench_ledger_export.py [--rows 1000000] [--db-url URL] [--no-trace]

Builds N problems with three audit events each (登记, 交办, and 办结 for 70 %) in the benchmark database with
INSERT ... SELECT FROM generate_series (once; reused when it already holds N), vacuums and analyses it, then runs each
case in a fresh Python process, so that each one's max RSS is its own:

  export          qingshan.ledgers.services.ledger_export(): the rows a commission officer may see, with the chain
                  columns (correlated subqueries on the audit log), written by openpyxl in write-only mode to a
                  temporary .xlsx (the page's export, minus the HTTP response that streams the finished file)
  query (export)  the export's own SQL, fetched through a server-side cursor, rows discarded
  bare query      the problems' own columns (no audit subqueries), fetched through a server-side cursor
  openpyxl        openpyxl write-only mode writing N rows of the export's values from a plain list loop
                  (2,000 real rows fetched once and cycled), no database

and, for scale, the ledger page itself (first page, unfiltered and 未销账), median server time of 5 requests.

Each case runs twice: once for time and max RSS, once under tracemalloc for the peak of Python allocations
(tracemalloc slows Python down, so its run is not timed). --no-trace skips the second run.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import _ensure_database  # noqa: E402 - the path above makes `bench` importable

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/qingshan_bench_ledger"
CHUNK = 2000
CASES = ("export", "query (export)", "bare query", "openpyxl")


def _setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        _setup(args.db_url)
        print(json.dumps(_run_case(args.case, args.rows, args.trace)))
        return

    _ensure_database(args.db_url)
    _setup(args.db_url)
    _build(args.rows)
    load_before = os.getloadavg()
    results = {}
    for case in CASES:
        timed = _child(case, args, trace=False)
        traced = None if args.no_trace else _child(case, args, trace=True)
        results[case] = {**timed, "traced_peak_mb": traced["traced_peak_mb"] if traced else None}
        print(f"  {case}: {timed}", flush=True)
    load_after = os.getloadavg()
    print(f"\nload average (1/5/15 min) before {_load(load_before)}, after {_load(load_after)}; {os.cpu_count()} CPUs")
    print(f"\n{args.rows:,} rows on PostgreSQL")
    print(f"{'case':16} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'tracemalloc peak MB':>20} {'max RSS MB':>11} "
          f"{'RSS growth MB':>14} {'queries':>8}")
    for case, r in results.items():
        traced = f"{r['traced_peak_mb']:.1f}" if r["traced_peak_mb"] is not None else "—"
        queries = r["queries"] if r["queries"] is not None else "—"
        print(f"{case:16} {r['rows']:9,d} {r['seconds']:8.1f} {r['rows'] / r['seconds']:9,.0f} {traced:>20} "
              f"{r['max_rss_mb']:11.1f} {r['rss_growth_mb']:14.1f} {queries:>8}")
    export, query, writer = results["export"], results["query (export)"], results["openpyxl"]
    both = query["seconds"] + writer["seconds"]
    print(f"\nexport time / (its query + openpyxl alone) = {export['seconds'] / both:.2f}")
    print(f"export time / its query = {export['seconds'] / query['seconds']:.2f}; "
          f"export time / openpyxl alone = {export['seconds'] / writer['seconds']:.2f}; "
          f"export time / bare query = {export['seconds'] / results['bare query']['seconds']:.2f}")
    if export["traced_peak_mb"] is not None:
        print(f"export tracemalloc peak / openpyxl alone = "
              f"{export['traced_peak_mb'] / writer['traced_peak_mb']:.2f}")
    print(f"export max RSS / openpyxl alone = {export['max_rss_mb'] / writer['max_rss_mb']:.2f}")
    page = _child("page", args, trace=False)
    print(f"\nledger page (officer, {args.rows:,} rows): median server time {page['unfiltered_ms']:.0f} ms unfiltered, "
          f"{page['open_ms']:.0f} ms 未销账; {page['queries']} queries")


def _child(case: str, args, *, trace: bool) -> dict:
    command = [sys.executable, __file__, "--case", case, "--rows", str(args.rows), "--db-url", args.db_url]
    output = subprocess.run(command + (["--trace"] if trace else []), check=True, capture_output=True, text=True,
                            cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _page_case() -> dict:
    """The ledger page's server time through Django's test client (no network)."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qingshan.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench_officer"))
    result = {}
    for key, url in (("unfiltered_ms", "/ledgers/problems/"), ("open_ms", "/ledgers/problems/?status=open")):
        client.get(url)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        result[key] = statistics.median(times)
        result["queries"] = len(captured.captured_queries)
    return result


def _run_case(case: str, rows: int, trace: bool) -> dict:
    import tracemalloc

    if case == "page":
        return _page_case()

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from qingshan.ledgers import services
    from qingshan.ledgers.selectors import ledger_query, ledger_values
    from qingshan.ledgers.specs import all_columns, ledger
    from qingshan.orgs.models import User

    spec = ledger("problems")
    officer = User.objects.get(username="bench_officer")
    columns = all_columns(spec)
    sample = None
    if case == "openpyxl":
        sample = [row[1:] for row in ledger_values(ledger_query(user=officer, spec=spec))[:CHUNK]]
    connection.ensure_connection()
    reset_queries()
    rss_before = _rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    queries = None
    with CaptureQueriesContext(connection) as captured:
        if case == "export":
            export = services.ledger_export(actor=officer, spec=spec)
            count = export.rows
            os.unlink(export.path)
        elif case == "query (export)":
            count = _drain(ledger_values(ledger_query(user=officer, spec=spec)))
        elif case == "bare query":
            count = _drain(ledger_query(user=officer, spec=spec).queryset.values_list(
                "pk", *(c.key for c in spec.columns)))
        else:
            count = _write_plain(sample, rows, columns)
    seconds = time.perf_counter() - started
    if case != "openpyxl":
        queries = len(captured.captured_queries)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    return {"rows": count, "seconds": seconds, "traced_peak_mb": traced_peak, "max_rss_mb": _rss_mb(),
            "rss_growth_mb": _rss_mb() - rss_before, "queries": queries}


def _drain(queryset) -> int:
    from django.db import transaction

    count = 0
    with transaction.atomic():  # as the export: a streaming server-side cursor, not a materialised WITH HOLD one
        for _ in queryset.iterator(chunk_size=CHUNK):
            count += 1
    return count


def _write_plain(sample: list[tuple], rows: int, columns) -> int:
    import tempfile

    from openpyxl import Workbook

    # The same values the export writes (each column's converter applied), in a plain loop.
    converted = [[column.value(v) for column, v in zip(columns, row, strict=True)] for row in sample]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("问题清单台账")
    sheet.append([c.label for c in columns])
    for i in range(rows):
        sheet.append(converted[i % len(converted)])
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        book.save(handle.name)
    return rows


def _build(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from qingshan.orgs.choices import OfficeType, OrgKind, Role
    from qingshan.orgs.models import Membership, Organisation, Region, User
    from qingshan.orgs.services import region_save
    from qingshan.problems.models import Category, Problem, Source

    call_command("migrate", verbosity=0)
    if Problem.objects.count() == rows and User.objects.filter(username="bench_officer").exists():
        print(f"reusing {rows:,} problems")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent, audit_auditchainhead, problems_problem, problems_category, "
                       "problems_source, orgs_membership, orgs_organisation, orgs_region, orgs_user CASCADE")
    with transaction.atomic():
        city = region_save(region=Region(code="3399", name="青山市"))
        districts = [region_save(region=Region(code=f"3399{i:02d}", name=f"第{i}区", parent=city))
                     for i in range(1, 6)]
        commission = Organisation.objects.create(name="青山市纪委监委", kind=OrgKind.COMMISSION, region=city)
        office = Organisation.objects.create(name="第一监督检查室", kind=OrgKind.OFFICE, region=city,
                                             parent=commission, office_type=OfficeType.INSPECTION)
        units = [Organisation.objects.create(name=f"单位{i:02d}", kind=OrgKind.UNIT, region=city) for i in range(20)]
        officer = User.objects.create_user(username="bench_officer", password="x", full_name="李监督")
        Membership.objects.create(user=officer, organisation=office, role=Role.OFFICE_STAFF)
        source = Source.objects.create(code="inspection", name="现场检查")
        category = Category.objects.create(code="water", name="水污染")
    region_rows = [(r.pk, r.path) for r in districts]
    params = {"n": rows, "source": source.pk, "category": category.pk, "user": officer.pk, "office": office.pk,
              "units": [u.pk for u in units], "regions": [r[0] for r in region_rows],
              "paths": [r[1] for r in region_rows]}
    with connection.cursor() as cursor:
        # Problem i: received 2024-01-01 + i·50 s; 70 % closed (i % 10 < 7), the rest in progress.
        cursor.execute("""
            INSERT INTO problems_problem (id, number, title, description, source_id, category_id, region_id,
                region_path, location, urgency, state, received_at, received_on, created_by_id, supervising_org_id,
                lead_unit_id, sign_deadline, handle_deadline, original_handle_deadline, first_dispatched_at,
                dispatched_at, signed_at, closed_at, review_count, rejection_count, urge_count, reassign_count,
                escalation_level, reply_text, is_restricted, updated_at)
            SELECT i, 'QS-B-' || lpad(i::text, 8, '0'), '河道排污口异常排放第' || i || '号',
                '群众反映夜间有污水直排入河。',
                %(source)s, %(category)s, (%(regions)s::bigint[])[1 + i %% 5], (%(paths)s::text[])[1 + i %% 5],
                '青山大道' || i %% 1000 || '号', 'normal', CASE WHEN i %% 10 < 7 THEN 'closed' ELSE 'in_progress' END,
                t, (t AT TIME ZONE 'Asia/Shanghai')::date, %(user)s, %(office)s, (%(units)s::bigint[])[1 + i %% 20],
                (t + interval '1 day')::date, (t + interval '21 days')::date, (t + interval '21 days')::date,
                t + interval '1 hour', t + interval '1 hour', t + interval '2 hours',
                CASE WHEN i %% 10 < 7 THEN t + interval '10 days' END, 0, 0, 0, 0, 0, '', false, t
            FROM (SELECT i, timestamptz '2024-01-01 09:00+08' + i * interval '50 seconds' AS t
                  FROM generate_series(1, %(n)s) AS i) AS s
        """, params)
        cursor.execute("SELECT setval(pg_get_serial_sequence('problems_problem', 'id'), %(n)s)", params)
        # Three events per problem (登记, 交办, 办结 or 催办), seq 3i-2 .. 3i; hashes unique, not chained (the bench
        # reads the log, it does not verify it).
        cursor.execute("""
            INSERT INTO audit_auditevent (seq, created_at, actor_id, actor_name, actor_org_id, object_type, object_id,
                action, from_state, to_state, reason, payload, internal, request_id, prev_hash, hash)
            SELECT 3 * i - 2 + k, p.received_at + k * interval '1 hour' + (k / 2) * interval '10 days',
                %(user)s, '李监督', %(office)s, 'problems.problem', i,
                (ARRAY['create', 'dispatch', CASE WHEN i %% 10 < 7 THEN 'approve' ELSE 'urge' END])[k + 1],
                '', '', '', '{}'::jsonb, false, '', '', md5((3 * i + k)::text) || md5('q' || (3 * i + k))
            FROM generate_series(1, %(n)s) AS i JOIN problems_problem p ON p.id = i, generate_series(0, 2) AS k
        """, params)
        # The chain head after the last event, so the exports' own audit events append after them.
        cursor.execute("INSERT INTO audit_auditchainhead (id, seq, hash) "
                       "SELECT 1, seq, hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1")
        cursor.execute("VACUUM ANALYZE")
    print(f"built {rows:,} problems and {3 * rows:,} audit events in {time.perf_counter() - started:.0f} s")


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
