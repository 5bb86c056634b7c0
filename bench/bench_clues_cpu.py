"""Wall and process-CPU time per request of the 案管 list and a clue's page, on a database already built by
bench/bench_clues.py (it is not rebuilt). The CPU figure is this process's own time (Python, templates, the driver),
which a loaded machine inflates far less than wall time: on the shared 2-core machine it is the figure that tells two
versions of the code apart.

Usage: .venv/bin/python bench/bench_clues_cpu.py [--db-url URL] [--requests 30]
To compare two commits, build each one's database with bench_clues.py (separate databases: an older schema cannot
flush a newer one) and run this script from each one's source tree, alternating.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_clues import p95  # noqa: E402 - the path above makes `bench` importable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench_clues"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))

    import django

    django.setup()
    from django.test import Client

    from qingshan.clues.models import Clue
    from qingshan.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username="anguan"))
    ids = list(Clue.objects.values_list("pk", flat=True))
    rng = random.Random(11)
    for name, url in (("案管 list", lambda: "/clues/"), ("clue page", lambda: f"/clues/{rng.choice(ids)}/")):
        client.get(url())  # warm-up
        walls, cpus = [], []
        for _ in range(args.requests):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url())
            assert response.status_code == 200, response.status_code
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        print(f"{name}: wall median {statistics.median(walls):.1f} ms, p95 {p95(walls):.1f} ms; "
              f"process CPU median {statistics.median(cpus):.1f} ms, p95 {p95(cpus):.1f} ms")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
