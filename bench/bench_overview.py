"""考核指标 and 一图总览 at scale, beside the minimal view, plus what keeping the KPI snapshots costs a transition.

Usage: .venv/bin/python bench/bench_overview.py --db-url postgres://postgres@127.0.0.1:5432/qs_bench_i13b
                                                [--runs 5] [--roles leader,office_staff,district_staff]
                                                [--transitions 40] [--live]
The database must hold the benchmark city (a copy of `qingshan_bench`, see bench/RESULTS_overview.md); it is
migrated, and the KPI snapshots are rebuilt when they do not cover every problem (timed). Each role signs in and
requests, alternating page by page: the minimal view, the KPI page in each grouping and the overview, each with its
default filters (this year, as of today). There is no application cache: every request computes its figures from
the database, so each is "cold for the period". The first request of each page is reported apart (cold connection
and plans), the other --runs give median, range and p95 (nearest rank) and the ratio to the minimal view's median.

--live also times the pages with the snapshots and facts switched off (the live aggregate over the problems),
alternating.

Transitions: --transitions open problems are each urged (催办, the lightest transition: the worst case for a
fixed cost) three times in a rolled-back transaction: with the snapshot upkeep (on PostgreSQL the trigger), without
it (snapshots.upkeep_paused: trigger disabled in that transaction), and with the previous hook (the trigger disabled,
the one statement sent from Python on post_save), the order rotating; the median paired ratio to "without" is the
snapshots' share of a transition's time.
"""
import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [("baseline", "/bench/minimal/")] + [
    (f"KPI {g}", f"/dashboards/kpi/?group_by={g}") for g in ("region", "unit", "source", "category")
] + [("overview", "/dashboards/overview/")]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--roles", default="leader,office_staff,district_staff")
    parser.add_argument("--transitions", type=int, default=40)
    parser.add_argument("--live", action="store_true", help="also time the pages without the snapshots")
    args = parser.parse_args()
    args.runs = max(3, args.runs)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = args.db_url

    import django

    django.setup()
    from django.db import connection

    _prepare(connection)
    load_before = os.getloadavg()
    results = []
    for role in filter(None, args.roles.split(",")):  # --roles "": the transitions only
        results += _time_role(role, args.runs, args.live)
    transitions = _time_transitions(args.transitions) if args.transitions else None
    load_after = os.getloadavg()
    _report(results, transitions, args, load_before, load_after)


def _prepare(connection) -> None:
    from django.core.management import call_command

    from qingshan.dashboards.models import KpiFact
    from qingshan.dashboards.snapshots import rebuild_snapshots
    from qingshan.problems.models import Problem

    call_command("migrate", verbosity=0)
    problems, facts = Problem.objects.count(), KpiFact.objects.count()
    print(f"{problems:,} problems, {facts:,} KPI facts")
    if facts != problems:
        began = time.perf_counter()
        rebuild_snapshots()
        print(f"rebuild_kpi_snapshots: {time.perf_counter() - began:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE dashboards_kpifact")
                cursor.execute("VACUUM ANALYZE dashboards_kpisnapshot")


def _live_switch(on: bool):
    from qingshan.dashboards import counting

    # Both precomputed ways off (the snapshot for whole districts, the facts for what is addressed to a viewer).
    originals = _live_switch.__dict__.setdefault(
        "originals", {name: getattr(counting, name) for name in ("_district_prefixes", "_addressed_scope")})
    for name, original in originals.items():
        setattr(counting, name, (lambda ask: None) if on else original)


def _time_role(role: str, runs: int, live: bool) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qingshan.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username=role))
    variants = ["snapshot", "live"] if live else ["snapshot"]
    results = []
    for name, url in PAGES:
        samples: dict[str, list[float]] = {v: [] for v in variants}
        first: dict[str, float] = {}
        queries = 0
        for run in range(runs + 1):
            for variant in variants:
                _live_switch(variant == "live")
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (role, url, response.status_code)
                queries = len(captured.captured_queries) if variant == "snapshot" else queries
                if run:
                    samples[variant].append(elapsed)
                else:
                    first[variant] = elapsed
        _live_switch(False)
        results.append({"role": role, "page": name, "samples": samples, "first": first, "queries": queries})
        print(f"  {role:14} {name:14} " + "  ".join(
            f"{v} {statistics.median(s):7.1f} ms (first {first[v]:.0f})" for v, s in samples.items()), flush=True)
    return results


def _time_transitions(count: int) -> dict:
    from django.db import transaction
    from django.db.models.signals import post_save

    from qingshan.access.problems import capacity_for
    from qingshan.core.errors import ServiceError
    from qingshan.dashboards import snapshots
    from qingshan.orgs.models import User
    from qingshan.problems import services
    from qingshan.problems.choices import OPEN_STATES
    from qingshan.problems.models import Problem

    actor = User.objects.get(username="office_staff")
    candidates = Problem.objects.filter(state__in=OPEN_STATES).order_by("-received_at")[:count * 5]
    samples: dict[str, list[float]] = {"with": [], "without": [], "python": []}

    def urgeable(problem: Problem) -> bool:  # some open states refuse an urge (已退回待改派)
        if capacity_for(actor, problem).supervisor_org is None:
            return False
        try:
            with transaction.atomic():
                services.problem_urge(actor=actor, problem=problem, note="基准测试")
                transaction.set_rollback(True)
        except ServiceError:
            return False
        return True

    problems = [p for p in candidates if urgeable(p)][:count]

    def one_statement(sender, instance, **kwargs):  # the hook before the trigger: one statement from Python
        snapshots.refresh_fact(instance.pk)

    def urge(problem_id: int, variant: str) -> float:
        with transaction.atomic():
            # "without" and "python" pause the upkeep (on PostgreSQL: disable the trigger, in this transaction)
            paused = snapshots.upkeep_paused() if variant != "with" else contextlib.nullcontext()
            with paused:
                if variant == "python":
                    post_save.connect(one_statement, sender=Problem, dispatch_uid="bench_one_statement")
                try:
                    problem = Problem.objects.get(pk=problem_id)
                    began = time.perf_counter()
                    services.problem_urge(actor=actor, problem=problem, note="基准测试")
                    elapsed = (time.perf_counter() - began) * 1000
                finally:
                    post_save.disconnect(dispatch_uid="bench_one_statement", sender=Problem)
            transaction.set_rollback(True)
        return elapsed

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(actor)

    def urge_request(problem_id: int, variant: str) -> float:
        """The urge as its user makes it: the 催办 form posted, through every layer of the request (session, form,
        service, redirect), rolled back like the others (the commit is left out of both)."""
        with transaction.atomic():
            paused = snapshots.upkeep_paused() if variant == "request_without" else contextlib.nullcontext()
            with paused:
                began = time.perf_counter()
                response = client.post(reverse("problems:action", args=[problem_id, "urge"]), {"note": "基准测试"})
                elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 302, response.status_code
            transaction.set_rollback(True)
        return elapsed

    samples.update(request_with=[], request_without=[])
    variants = ["with", "without", "python"]
    requests = ["request_with", "request_without"]
    for problem in problems[:2]:  # warm-up
        for variant in variants:
            urge(problem.pk, variant)
        for variant in requests:
            urge_request(problem.pk, variant)
    for i, problem in enumerate(problems):
        for variant in variants[i % 3:] + variants[:i % 3]:  # each variant first, second and third in turn
            samples[variant].append(urge(problem.pk, variant))
        for variant in requests[i % 2:] + requests[:i % 2]:
            samples[variant].append(urge_request(problem.pk, variant))
    ratios = [w / wo for w, wo in zip(samples["with"], samples["without"], strict=True)]
    python = [w / wo for w, wo in zip(samples["python"], samples["without"], strict=True)]
    request = [w / wo for w, wo in zip(samples["request_with"], samples["request_without"], strict=True)]
    print(f"  urge: with {statistics.median(samples['with']):.2f} ms, without "
          f"{statistics.median(samples['without']):.2f} ms, ratio {statistics.median(ratios):.3f}; "
          f"one-statement hook {statistics.median(samples['python']):.2f} ms, ratio {statistics.median(python):.3f}",
          flush=True)
    print(f"  urge request: with {statistics.median(samples['request_with']):.2f} ms, without "
          f"{statistics.median(samples['request_without']):.2f} ms, ratio {statistics.median(request):.3f}", flush=True)
    return {"samples": samples, "ratios": ratios, "python_ratios": python, "request_ratios": request,
            "n": len(problems)}


def _summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} ({min(samples):.1f}–{max(samples):.1f})"


def _report(results, transitions, args, load_before, load_after) -> None:
    from django.db import connection

    from qingshan.problems.models import Problem

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"\n{Problem.objects.count():,} problems on {connection.vendor}, commit {commit}; {args.runs} runs per page; "
          f"{os.cpu_count()} CPUs, load average before {'/'.join(f'{v:.2f}' for v in load_before)}, after "
          f"{'/'.join(f'{v:.2f}' for v in load_after)}")
    if results:
        live = "live" in results[0]["samples"]
        header = "| role | page | queries | first ms | median ms (range) | p95 | ×baseline |"
        header += " live median (range) | live p95 |" if live else ""
        print(header)
        print("|" + "---|" * (header.count("|") - 1))
        baselines = {r["role"]: statistics.median(r["samples"]["snapshot"]) for r in results if r["page"] == "baseline"}
        for r in results:
            s = r["samples"]["snapshot"]
            line = (f"| {r['role']} | {r['page']} | {r['queries']} | {r['first']['snapshot']:.0f} | {_summary(s)} | "
                    f"{percentile(s, 95):.1f} | {statistics.median(s) / baselines[r['role']]:.1f}× |")
            if live:
                line += f" {_summary(r['samples']['live'])} | {percentile(r['samples']['live'], 95):.1f} |"
            print(line)
    if transitions:
        w, wo, ratios = transitions["samples"]["with"], transitions["samples"]["without"], transitions["ratios"]
        print(f"\nurge ×{transitions['n']}: with snapshots {_summary(w)} ms, without {_summary(wo)} ms; "
              f"paired ratio median {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f})")
        p, pr = transitions["samples"]["python"], transitions["python_ratios"]
        print(f"previous hook (one statement from Python): {_summary(p)} ms; paired ratio to without median "
              f"{statistics.median(pr):.3f} (range {min(pr):.3f}–{max(pr):.3f})")
        rw, rwo, rr = (transitions["samples"]["request_with"], transitions["samples"]["request_without"],
                       transitions["request_ratios"])
        print(f"urge as a request (the form posted): with snapshots {_summary(rw)} ms, without {_summary(rwo)} ms; "
              f"paired ratio median {statistics.median(rr):.3f} (range {min(rr):.3f}–{max(rr):.3f})")


if __name__ == "__main__":
    main()
