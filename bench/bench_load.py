"""Load test on the production settings: gunicorn + PostgreSQL + DEBUG off, driven by locust from 127.0.0.1.

Usage: .venv/bin/python bench/bench_load.py [--db-url URL] [--problems 20000] [--users 32] [--minutes 10]
Builds the demo city in the database once (reused when it already has one; with the dev settings, whose password
hasher production accepts, unlike the bench settings' MD5), starts gunicorn with
config.settings.prod and config/gunicorn.conf.py on 127.0.0.1 (plain HTTP, as behind the reverse proxy), runs
bench/load/locustfile.py headless with --users concurrent users for --minutes, stops gunicorn and prints each
page's requests, failures, median and p95 (ms, client side: includes the loopback network and queueing) as a
Markdown table. Exits non-zero on any failed request. The secrets are the ones the build generated in the data
directory (bench/data-load by default), so that the demo's encrypted fields and audit chain stay readable.
"""
import argparse
import csv
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable

from bench.bench_pages import _ensure_database  # noqa: E402 - the path above makes `bench` importable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("LOAD_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_load"))
    parser.add_argument("--problems", type=int, default=20_000, help="size of the demo city when it is built")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "QINGSHAN_DATA_DIR", ROOT / "bench" / "data-load")))
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    _ensure_database(args.db_url)
    build = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": args.db_url,
             "QINGSHAN_DATA_DIR": str(data_dir)}
    _run([PY, "manage.py", "migrate", "--noinput", "-v0"], build)
    _run([PY, "manage.py", "seed_demo", "--problems", str(args.problems), "--seed", "2026", "--if-empty"], build)
    prod = {**build, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "QINGSHAN_HTTPS": "0",
            "QINGSHAN_ALLOWED_HOSTS": "127.0.0.1", "QINGSHAN_BIND": f"127.0.0.1:{args.port}",
            **{env: (data_dir / name).read_text().strip() for env, name in (
                ("QINGSHAN_SECRET_KEY", "secret_key"), ("QINGSHAN_AUDIT_KEY", "audit_key"),
                ("QINGSHAN_FIELD_KEYS", "field_keys"))}}
    _run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], prod)
    log = (data_dir / "gunicorn.log").open("w")
    server = subprocess.Popen([str(Path(PY).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
                              cwd=ROOT, env=prod, stdout=log, stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{args.port}"
    try:
        _wait_for(f"{host}/healthz", server)
        prefix = data_dir / "locust"
        load_before = os.getloadavg()
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        subprocess.run([str(Path(PY).parent / "locust"), "-f", str(ROOT / "bench" / "load" / "locustfile.py"),
                        "--headless", "--only-summary", "-u", str(args.users), "-r", "4",
                        "-t", f"{int(args.minutes * 60)}s", "--host", host, "--csv", str(prefix)], cwd=ROOT,
                       check=False)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=60)
    failures = _report(Path(f"{prefix}_stats.csv"), args, started, load_before, load_after)
    sys.exit(1 if failures else 0)


def _report(stats: Path, args, started: str, load_before, load_after) -> int:
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    print(f"\n{args.users} users for {args.minutes:g} min from {started}, {args.db_url.rsplit('/', 1)[1]}; "
          f"load average before {'/'.join(f'{v:.2f}' for v in load_before)}, "
          f"after {'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} CPUs")
    print("| page | requests | failures | median ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|")
    failures = 0
    for row in rows:
        failures += int(row["Failure Count"]) if row["Name"] != "Aggregated" else 0
        print(f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
              f"{row['99%']} | {float(row['Max Response Time']):.0f} |")
    return failures


def _run(command: list[str], env: dict) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def _wait_for(url: str, server: subprocess.Popen, seconds: int = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see gunicorn.log in the data directory")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (127.0.0.1 only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


if __name__ == "__main__":
    main()
