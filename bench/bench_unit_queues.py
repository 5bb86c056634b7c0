"""A/B of a unit's 我的待办 problem queues: the queries its four queues run (counts of 待签收, 办理中, 被发回重办,
已超期, and the first page of 办理中) starting from the visibility id set (before) or from `led_problems` (after),
alternating request by request in one process on the same database.

Usage: .venv/bin/python bench/bench_unit_queues.py --db-url postgres://…/qs_bench_i15 [--roles eco_handler,lvshui_eco]
                                                   [--runs 5]
The database is one `bench/bench_pages.py` built (the demo city). Prints each variant's median and range and the
ratio after/before.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench"))
    parser.add_argument("--roles", default="eco_handler,lvshui_eco")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = args.db_url
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    import django

    django.setup()
    for role in args.roles.split(","):
        _time_role(role, args.runs)


def _time_role(role: str, runs: int) -> None:
    from django.utils import timezone

    from qingshan.access.actors import profile_of
    from qingshan.access.problems import led_problems, visible_problems
    from qingshan.orgs.models import User
    from qingshan.problems import kpis, worklist
    from qingshan.problems.choices import State

    user = User.objects.get(username=role)
    units = profile_of(user).unit_ids
    today = timezone.localdate()
    conditions = [worklist.Q(state=State.DISPATCHED), worklist.Q(state__in=[State.SIGNED, State.IN_PROGRESS]),
                  worklist.Q(state=State.IN_PROGRESS, rejection_count__gte=1), kpis.overdue(today)]

    def queues(base) -> None:
        for condition in conditions:
            base().filter(condition).count()
        list(base().filter(conditions[1]).order_by(*worklist.ORDERING)[:30])

    variants = {"before (visibility id set)": lambda: visible_problems(user).filter(lead_unit_id__in=units),
                "after (led_problems)": lambda: led_problems(user)}
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(runs + 1):  # the first round warms the caches
        for name, base in variants.items():
            began = time.perf_counter()
            queues(base)
            if run:
                samples[name].append((time.perf_counter() - began) * 1000)
    for name, values in samples.items():
        print(f"{role} {name}: median {statistics.median(values):.1f} ms ({min(values):.1f}–{max(values):.1f}), "
              f"{runs} runs")
    before, after = (statistics.median(v) for v in samples.values())
    print(f"{role} after/before {after / before:.2f}×")

if __name__ == "__main__":
    main()
