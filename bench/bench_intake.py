"""Machine intake and hotline imports (issue 14) on PostgreSQL, each beside its baseline measured in the same run.

Usage: .venv/bin/python bench/bench_intake.py [--open 100000] [--alerts 300] [--rounds 3] [--hotline-rows 100000]
                                              [--clients 1] [--processes 1 | --http WORKERS] [--only webhook|hotline]
                                              [--db-url URL]
1. Webhook: the benchmark database gets the test world, `--open` open problems and one earlier camera alert for each
   (the repeat check searches those), and a routing rule. Then `--rounds` rounds, alternating, post `--alerts` signed
   alerts each through the whole endpoint (Django's test client in this process: signature, parsing, dedup, problem
   registration, dispatch by rule, audit), half of them repeats of an open problem's device and type, once with
   deduplication on and once with it off (INTAKE_DEDUP_ENABLED). `--processes N` posts each round from N forked
   processes started together, each with its own connection, as the web server's worker processes would (threads,
   `--clients`, share one interpreter lock). `--http W` serves the endpoint with gunicorn (W sync workers, restarted
   per mode) and posts over HTTP from `--clients` threads on the same machine. Printed: alerts per second and p95
   latency per mode, median and range over the rounds, and the ratios on/off.
2. Hotline: a `--hotline-rows` CSV export (UTF-8: DuckDB reads GBK only with an extension; every other row with the
   caller's name and phone), submitted and run through the job queue as the product runs it (`hotline_run`: read,
   check, register every ticket together) beside DuckDB's `read_csv` of the same file, each `--rounds` times on a
   fresh database.
"""
import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import _ensure_database  # noqa: E402 - the path above makes `bench` importable

# Real time: the webhook checks each request's timestamp against the clock, as in service (no clock patching,
# which slows every call that reads the time).
NOW = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def _truncate(connection) -> None:
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models() if m._meta.app_label not in ("contenttypes", "auth")
              and m._meta.managed and not m._meta.proxy]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")


def _build(connection, n: int):
    """The world, N open problems with one camera alert each, the camera sender and a routing rule."""
    from qingshan.intake.models import Alert, RoutingRule
    from qingshan.intake.testing import camera_sender
    from qingshan.problems.models import Problem
    from qingshan.problems.testing.world import build_world

    _truncate(connection)
    w = build_world()
    sender, secret = camera_sender(w)
    RoutingRule.objects.create(region=w.city, lead_unit=w.eco, priority=200)
    values = {
        "number": "'B' || lpad(g::text, 9, '0')", "title": "'基准问题 ' || g", "description": "'基准数据'",
        "source_id": str(sender.source_id), "category_id": str(w.air_pollution.pk), "region_id": str(w.city.pk),
        "region_path": f"'{w.city.path}'", "location": "''", "urgency": "'normal'", "state": "'received'",
        "received_at": "%(ts)s", "received_on": "%(ts)s::date", "created_by_id": str(w.officer.pk),
        "supervising_org_id": str(w.office.pk), "review_count": "0", "rejection_count": "0", "urge_count": "0",
        "reassign_count": "0", "escalation_level": "0", "reply_text": "''", "is_restricted": "false",
        "updated_at": "%(ts)s",
    }
    columns = [f.column for f in Problem._meta.concrete_fields if f.column != "id"]
    select = ", ".join(values.get(c, "NULL") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO problems_problem ({', '.join(columns)}) SELECT {select} "
                       f"FROM generate_series(1, %(n)s) AS g", {"ts": NOW - dt.timedelta(hours=2), "n": n})
        cursor.execute(
            f"INSERT INTO {Alert._meta.db_table} (sender_id, idempotency_key, alert_type, device, occurred_at, "
            "location, media_url, payload, received_at, problem_id, outcome) "
            "SELECT %(sender)s, 'seed-' || p.id, '渣土车未密闭', 'CAM-' || lpad(p.id::text, 6, '0'), %(ts)s, '', '', "
            "'{}'::jsonb, %(ts)s, p.id, 'created' FROM problems_problem p",
            {"sender": sender.pk, "ts": NOW - dt.timedelta(hours=2)})
        cursor.execute("VACUUM ANALYZE")
    return w, sender, secret


def _payload(number: int, i: int, open_count: int) -> dict:
    """Alert `number` of a round: every other one repeats an open problem's camera and type, the rest are new."""
    device = f"CAM-{number % open_count + 1:06d}" if i % 2 else f"NEW-{number:07d}"
    return {"alert_type": "渣土车未密闭", "occurred_at": (NOW - dt.timedelta(minutes=5)).isoformat(),
            "device": device, "location": "基准点位"}


def _in_threads(target, count: int) -> None:
    """Run target(part) for parts 0..count-1 in as many threads, started together; wait for all."""
    import threading

    threads = [threading.Thread(target=target, args=(part,)) for part in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _webhook_round(sender, secret, n: int, offset: int, open_count: int) -> list[float]:
    from django.test import Client

    from qingshan.intake.testing import signed_post

    client, timings = Client(), []
    for i in range(n):
        started = time.perf_counter()
        response = signed_post(client, sender.code, secret, _payload(offset + i, i, open_count), key=f"k-{offset + i}")
        timings.append(time.perf_counter() - started)
        if response.status_code not in (200, 201):
            raise SystemExit(f"webhook refused: {response.status_code} {response.content[:200]!r}")
    return timings


def _concurrent_round(sender, secret, n: int, offset: int, open_count: int, clients: int) -> list[float]:
    """The round's alerts split over `clients` threads, each its own client and database connection."""

    from django.db import connection as thread_connection

    timings: list[float] = []
    errors: list[BaseException] = []
    share = n // clients

    def post(part: int) -> None:
        try:
            timings.extend(_webhook_round(sender, secret, share, offset + part * share, open_count))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            thread_connection.close()

    _in_threads(post, clients)
    if errors:
        raise errors[0]
    return timings


def _process_round(sender, secret, n: int, offset: int, open_count: int, processes: int) -> tuple[list[float], float]:
    """The round's alerts split over `processes` forked processes, each its own client and database connection, as
    the web server's worker processes are; they start together. Returns every latency and the round's wall time."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes + 1), context.Queue()
    share = n // processes

    def post(part: int) -> None:
        try:
            start.wait()
            began = time.perf_counter()
            timings = _webhook_round(sender, secret, share, offset + part * share, open_count)
            results.put((timings, began, time.perf_counter(), None))
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            results.put(([], 0.0, 0.0, repr(exc)))
        finally:
            connections.close_all()

    children = [context.Process(target=post, args=(part,)) for part in range(processes)]
    for child in children:
        child.start()
    start.wait()
    rows = [results.get() for _ in children]
    for child in children:
        child.join()
    if errors := [error for *_, error in rows if error]:
        raise SystemExit(f"a posting process failed: {errors[0]}")
    timings = [t for row in rows for t in row[0]]
    return timings, max(row[2] for row in rows) - min(row[1] for row in rows)


class _Server:
    """gunicorn serving the benchmark database on a local port, as in production (config/gunicorn.conf.py): `workers`
    sync workers, deduplication on or off by its environment variable (each worker reads its own settings)."""

    def __init__(self, workers: int, dedup: bool, port: int = 8765):
        import subprocess

        self.port = port
        env = {**os.environ, "QINGSHAN_BIND": f"127.0.0.1:{port}", "QINGSHAN_WORKERS": str(workers),
               "QINGSHAN_THREADS": "1", "QINGSHAN_INTAKE_DEDUP": "on" if dedup else "off"}
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py", "--access-logfile", "/dev/null",
             "--error-logfile", "/dev/null", "config.wsgi"], cwd=ROOT, env=env)
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        import socket

        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("gunicorn did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(30)


def _http_round(sender, secret, n: int, offset: int, open_count: int, clients: int, port: int) -> list[float]:
    """The round's alerts over HTTP from `clients` threads, each with its own connection, as senders would post."""
    import http.client

    from qingshan.intake.signing import signature

    timings: list[float] = []
    errors: list[str] = []
    share = n // clients

    def post(part: int) -> None:
        for i in range(share):
            number = offset + part * share + i
            body = json.dumps(_payload(number, i, open_count), ensure_ascii=False).encode()
            stamp = str(int(time.time()))
            started = time.perf_counter()
            client = http.client.HTTPConnection("127.0.0.1", port)  # gunicorn's sync workers close every connection
            client.request("POST", "/intake/webhook/alerts", body=body, headers={
                "Content-Type": "application/json", "X-Qingshan-Sender": sender.code, "X-Qingshan-Timestamp": stamp,
                "X-Qingshan-Signature": signature(secret, stamp, body), "Idempotency-Key": f"k-{number}"})
            response = client.getresponse()
            answer = response.read()
            timings.append(time.perf_counter() - started)
            client.close()
            if response.status not in (200, 201):
                errors.append(f"{response.status} {answer[:200]!r}")

    _in_threads(post, clients)
    if errors:
        raise SystemExit(f"webhook refused: {errors[0]}")
    return timings


def bench_webhook_http(args, connection) -> dict:
    """The same rounds through gunicorn over HTTP; the posting threads run on the same machine, so they take CPU
    from the server."""
    w, sender, secret = _build(connection, args.open)
    connection.close()
    results: dict[str, list[tuple[float, float]]] = {"on": [], "off": []}
    offset = 0
    for _ in range(args.rounds):
        for mode in ("on", "off"):
            with _Server(args.http, dedup=mode == "on") as server:
                offset += args.alerts
                _http_round(sender, secret, 20, 10_000_000 + offset, args.open, 2, server.port)  # warm the workers
                started = time.perf_counter()
                timings = _http_round(sender, secret, args.alerts, offset, args.open, args.clients, server.port)
                elapsed = time.perf_counter() - started
            results[mode].append((args.alerts / elapsed, p95(timings) * 1000))
    return _summarise(results, args, f"gunicorn {args.http} workers, {args.clients} HTTP client threads")


def bench_webhook(args, connection) -> dict:
    from django.conf import settings

    w, sender, secret = _build(connection, args.open)
    results: dict[str, list[tuple[float, float]]] = {"on": [], "off": []}
    _webhook_round(sender, secret, 20, 10_000_000, args.open)  # warm-up, both modes alike
    offset = 0
    for _ in range(args.rounds):
        for mode in ("on", "off"):
            settings.INTAKE_DEDUP_ENABLED = mode == "on"
            offset += args.alerts
            started = time.perf_counter()
            if args.processes > 1:
                timings, elapsed = _process_round(sender, secret, args.alerts, offset, args.open, args.processes)
            elif args.clients > 1:
                timings = _concurrent_round(sender, secret, args.alerts, offset, args.open, args.clients)
                elapsed = time.perf_counter() - started
            else:
                timings = _webhook_round(sender, secret, args.alerts, offset, args.open)
                elapsed = time.perf_counter() - started
            results[mode].append((args.alerts / elapsed, p95(timings) * 1000))
    settings.INTAKE_DEDUP_ENABLED = True
    how = f"{args.processes} processes" if args.processes > 1 else f"{args.clients} client thread(s)"
    return _summarise(results, args, how)


def _summarise(results: dict[str, list[tuple[float, float]]], args, how: str) -> dict:
    summary = {}
    for mode, rows in results.items():
        rates, p95s = [r for r, _ in rows], [p for _, p in rows]
        summary[mode] = {"rate": rates, "p95_ms": p95s}
        print(f"webhook, dedup {mode:3}: {spread(rates)} alerts/s, p95 {spread(p95s)} ms  (rounds of {args.alerts}, "
              f"{how})")
    ratio = statistics.median(summary["on"]["p95_ms"]) / statistics.median(summary["off"]["p95_ms"])
    rates = statistics.median(summary["on"]["rate"]) / statistics.median(summary["off"]["rate"])
    print(f"  p95 with dedup / without: {ratio:.2f}×; alerts/s with dedup / without: {rates:.2f}×")
    return summary


def bench_hotline(args, connection, tmp: Path) -> dict:
    import duckdb
    import time_machine
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qingshan.core.testing.jobs import run_queued_jobs
    from qingshan.intake.hotline import hotline_submit
    from qingshan.intake.testing import hotline_csv, hotline_mapping
    from qingshan.problems.testing.world import build_world

    # Every other caller left a name and phone (encrypted on import), as a hotline's export has them.
    rows = [[f"RX{i:09d}", "2026-06-09 08:15", f"第{i}号工单：河道排污口夜间偷排", "滨江路", "", "",
             "王小明" if i % 2 else "", f"138{i:08d}" if i % 2 else ""] for i in range(args.hotline_rows)]
    data = hotline_csv(rows, "utf-8")  # DuckDB reads GBK only with its encodings extension (not on the intranet)
    path = tmp / "hotline.csv"
    path.write_bytes(data)
    ours, baseline, loads = [], [], [os.getloadavg()[0]]
    for _ in range(args.rounds):
        _truncate(connection)
        with time_machine.travel(NOW, tick=True):
            w = build_world()
            mapping = hotline_mapping(w)
            job = hotline_submit(actor=w.officer, mapping=mapping, upload=SimpleUploadedFile("hotline.csv", data))
            started = time.perf_counter()
            run_queued_jobs()
            ours.append(time.perf_counter() - started)
            print(f"  round: {ours[-1]:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
            job.refresh_from_db()
            assert job.rows_imported == args.hotline_rows, job.errors
        started = time.perf_counter()
        with duckdb.connect() as con:
            count = con.execute("SELECT count(*) FROM read_csv(?, header=true)",
                                [str(path)]).fetchone()[0]
        baseline.append(time.perf_counter() - started)
        assert count == args.hotline_rows
    print(f"load average before/after: {loads[0]:.1f} / {os.getloadavg()[0]:.1f}")
    print(f"hotline import of {args.hotline_rows:,} rows: {spread(ours)} s; DuckDB read_csv: {spread(baseline)} s; "
          f"{statistics.median(ours) / statistics.median(baseline):.0f}×; "
          f"{args.hotline_rows / statistics.median(ours):.0f} tickets/s")
    return {"ours_s": ours, "read_csv_s": baseline, "load_before": loads[0], "load_after": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hotline-rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients (threads) posting each round")
    parser.add_argument("--processes", type=int, default=1,
                        help="concurrent posting processes (as the web server's workers) each round")
    parser.add_argument("--http", type=int, default=0, metavar="WORKERS",
                        help="post over HTTP to gunicorn with this many workers (from --clients threads)")
    parser.add_argument("--only", choices=("webhook", "hotline"), help="run one of the two benchmarks")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench_intake"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    data_dir = ROOT / "bench" / "data"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(data_dir))
    _ensure_database(args.db_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.JOB_FILES_DIR = data_dir / "jobs"
    call_command("migrate", verbosity=0)
    result: dict = {"args": vars(args)}
    if args.only != "hotline":
        result["webhook"] = (bench_webhook_http if args.http else bench_webhook)(args, connection)
    if args.only != "webhook":
        result["hotline"] = bench_hotline(args, connection, data_dir)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
