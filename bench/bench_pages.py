"""Server time of every page of the navigation, as each demo role first opens it, beside the stack's minimal view.

Usage: .venv/bin/python bench/bench_pages.py [--problems 1000000] [--runs 5] [--db-url URL|sqlite] [--roles a,b]
                                             [--ab REF] [--explain] [--json FILE] [--pages 问题清单,问题详情,我的待办]
Builds the demo city with N problems in the benchmark database (once; reused when it already holds N) and analyses
it, then signs in as each demo role, reads the links of its navigation bar from its first page (我的待办) and times
each of them, plus the first problem of its 问题清单 (detail), in-process through Django's test client (server time:
routing, middleware, session, queries, templates; no network). Each page runs --runs times after one warm-up; the
table gives the median, the range and p95 (nearest rank), and the ratio of the median to the minimal view's.

--ab REF alternates every request with "before": the problem visibility rule, the list's paginator and what it
counts, and the counts of 我的待办 as they were at git commit REF, loaded from git into this process (same database,
same warm caches, same moment), and adds the before median, range and the after/before ratio. The database is
migrated to this commit's schema for both. --explain prints each page's slowest
queries, explained.
"""
import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The demo's sign-in names (qingshan/demo/city.py), one per role.
ROLES = ("leader", "office_staff", "office_head", "xinfang", "anguan", "group_staff", "group_head",
         "district_staff", "district_head", "eco_handler", "eco_head", "lvshui_eco", "partner", "readonly")
NAV_LINK = re.compile(r'<a class="nav-link[^"]*"[^>]*href="(/[^"]*)"[^>]*>([^<]+)')
DETAIL_LINK = re.compile(r'href="(/problems/\d+/)"')


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (at least 3)")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench"),
                        help="a postgres:// URL, or 'sqlite' for bench/data/bench.sqlite3")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--ab", metavar="REF", help="alternate each request with the visibility rule at git REF")
    parser.add_argument("--explain", action="store_true", help="print each page's slowest queries, explained")
    parser.add_argument("--json", type=Path, help="also write every sample here")
    parser.add_argument("--pages", help="time only these pages (their names in the navigation, 问题详情 for the "
                                        "detail), beside the minimal view; default: every page")
    args = parser.parse_args()
    args.runs = max(3, args.runs)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("QINGSHAN_DATA_DIR", str(ROOT / "bench" / "data"))
    if args.db_url == "sqlite":
        args.db_url = f"sqlite:///{Path(os.environ['QINGSHAN_DATA_DIR']).resolve() / 'bench.sqlite3'}"
    else:
        _ensure_database(args.db_url)
    os.environ["DATABASE_URL"] = args.db_url

    import django

    django.setup()
    from django.db import connection

    _build(args.problems, connection)
    gc.collect()
    gc.freeze()  # as config/wsgi.py does once the application is loaded: this process stands for a server worker
    variants = {"after": lambda: None}
    if args.ab:
        variants["before"] = _before_switch(args.ab)
        variants["after"] = _after_switch()
    results = []
    load_before = os.getloadavg()
    started = time.perf_counter()
    for role in args.roles.split(","):
        results += _time_role(role, variants, args.runs, explain=connection if args.explain else None,
                              only=set(args.pages.split(",")) if args.pages else None)
    load_after = os.getloadavg()
    _report(results, args, connection, load_before, load_after, time.perf_counter() - started)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def _build(problems: int, connection) -> None:
    from django.core.management import call_command

    from qingshan.problems.models import Problem

    call_command("migrate", verbosity=0)
    existing = Problem.objects.count()
    if existing != problems:
        if existing:
            print(f"benchmark database holds {existing} problems, rebuilding with {problems}")
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", problems=problems, seed=2026)
        seconds = time.perf_counter() - started
        print(f"built {problems:,} problems in {seconds:.0f} s ({problems / seconds:.0f} problems/s)")
    if connection.vendor != "postgresql":
        return  # SQLite keeps no statistics unless told to: time it as `make demo` leaves it, unanalysed
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # A bulk load leaves no visibility map for index-only scans; autovacuum would have run on a live system.
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")


def _time_role(role: str, variants: dict, runs: int, explain=None, only: set[str] | None = None) -> list[dict]:
    """Sign in as `role`, find its navigation and time each page under every variant, alternating request by
    request so that the variants share the machine's load."""
    from django.test import Client

    from qingshan.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username=role))
    first = client.get("/", follow=True)
    names = {"/bench/minimal/": "baseline"}
    for url, text in NAV_LINK.findall(first.content.decode()):
        names.setdefault(url, text.strip())
    pages = list(names)
    detail = DETAIL_LINK.search(client.get("/problems/").content.decode())
    if detail:  # the first problem of its 问题清单, as the user would open it
        pages.insert(pages.index("/problems/") + 1, detail.group(1))
        names[detail.group(1)] = "问题详情"
    if only:
        pages = [url for url in pages if url == "/bench/minimal/" or names[url] in only]
    results = []
    for url in pages:
        samples: dict[str, list[float]] = {name: [] for name in variants}
        queries: dict[str, int] = {}
        for run in range(runs + 1):  # the first round warms caches and connections
            for name, switch in variants.items():
                switch()
                from django.db import connection
                from django.test.utils import CaptureQueriesContext

                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(url, follow=True)  # a page that redirects is timed to where it lands
                    elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (role, url, name, response.status_code)
                queries[name] = len(captured.captured_queries)
                if run:
                    samples[name].append(elapsed)
        results.append({"role": role, "url": url, "page": names[url], "samples": samples, "queries": queries})
        if explain is not None:
            _explain(explain, f"{role} {url}", client, url)
        print(f"  {role:14} {names[url]:10} " + "  ".join(
            f"{name} {statistics.median(s):7.1f} ms" for name, s in samples.items()), flush=True)
    return results


def _report(results, args, connection, load_before, load_after, seconds) -> None:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    print(f"\n{args.problems:,} problems on {connection.vendor}, commit {commit}{' (modified)' if dirty else ''}; "
          f"{args.runs} runs per page; {os.cpu_count()} CPUs, load average (1/5/15 min) before "
          f"{_load(load_before)}, after {_load(load_after)}; {seconds:.0f} s in all")
    ab = "before" in results[0]["samples"]
    header = "| role | page | queries | median ms (range) | p95 | ×baseline |"
    if ab:
        header += " before: queries | median (range) | after/before |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    baselines = {r["role"]: statistics.median(r["samples"]["after"]) for r in results if r["url"] == "/bench/minimal/"}
    for r in results:
        after = r["samples"]["after"]
        line = (f"| {r['role']} | {r['page']} | {r['queries']['after']} | {_summary(after)} | "
                f"{percentile(after, 95):.1f} | {statistics.median(after) / baselines[r['role']]:.1f}× |")
        if ab:
            before = r["samples"]["before"]
            line += (f" {r['queries']['before']} | {_summary(before)} | "
                     f"{statistics.median(after) / statistics.median(before):.2f}× |")
        print(line)
    worst = max((r for r in results if r["url"] != "/bench/minimal/"),
                key=lambda r: percentile(r["samples"]["after"], 95))
    print(f"\nslowest page (p95): {worst['role']} {worst['page']} "
          f"{percentile(worst['samples']['after'], 95):.1f} ms")


def _summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} ({min(samples):.1f}–{max(samples):.1f})"


def _before_switch(ref: str):
    """A switch to the visibility rule and list paginator as they were at `ref`, loaded from git (not a copy)."""
    import importlib.util
    import inspect

    from django.core.paginator import Paginator

    import qingshan.access.problems as current
    import qingshan.problems.views as views

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:qingshan/access/problems.py"],
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("qingshan.access._bench_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "qingshan.access"
    exec(compile(source, f"{ref}:qingshan/access/problems.py", "exec"), module.__dict__)  # noqa: S102

    class ExactPaginator(Paginator):
        """The plain paginator the list used before the bounded one: an exact COUNT(*) on every view."""

        count_label = property(lambda self: f"{self.count:,}")
        num_pages_label = property(lambda self: str(self.num_pages))

    def git_show(path: str) -> str:
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"], capture_output=True, text=True)
        return shown.stdout if shown.returncode == 0 else ""

    # The list's paginator as it was at `ref`: the bounded one of that commit (loaded from git), or the exact one.
    ref_paginator: type = ExactPaginator
    if "BoundedPaginator" in git_show("qingshan/problems/views.py"):
        paging = importlib.util.module_from_spec(importlib.util.spec_from_loader("qingshan.core._bench_paging",
                                                                                 loader=None))
        paging.__package__ = "qingshan.core"
        exec(compile(git_show("qingshan/core/paging.py"), f"{ref}:qingshan/core/paging.py", "exec"),  # noqa: S102
             paging.__dict__)
        ref_paginator = paging.BoundedPaginator
    takes_count_ids = "count_ids" in inspect.signature(ref_paginator.__init__).parameters

    class BeforePaginator(ref_paginator):  # type: ignore[valid-type,misc]
        """`ref`'s paginator, called as the list view calls it now (without what `ref` did not know)."""

        def __init__(self, *args, count_ids=None, **kwargs):
            if takes_count_ids:
                kwargs["count_ids"] = count_ids
            super().__init__(*args, **kwargs)

    # The list's count source: what it counts instead of its rows (none before the audience-only count existed).
    import qingshan.problems.selectors as selectors

    current_count_ids = selectors.problem_list_count_ids
    ref_counts_ids = "def problem_list_count_ids" in git_show("qingshan/problems/selectors.py")

    def ref_count_ids(**kwargs):
        return current_count_ids(**kwargs) if ref_counts_ids else None

    # 我的待办's counts as they were at `ref` (one query per queue before they became one UNION ALL).
    worklist_source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:qingshan/core/worklist.py"],
                                     capture_output=True, text=True, check=True).stdout
    worklist = importlib.util.module_from_spec(importlib.util.spec_from_loader("qingshan.core._bench_before",
                                                                               loader=None))
    worklist.__package__ = "qingshan.core"
    exec(compile(worklist_source, f"{ref}:qingshan/core/worklist.py", "exec"), worklist.__dict__)  # noqa: S102

    def switch() -> None:
        current.problem_scope_q = module.problem_scope_q
        views.BoundedPaginator = BeforePaginator
        views.section_counts = worklist.section_counts
        selectors.problem_list_count_ids = ref_count_ids

    _after_state.update(scope=current.problem_scope_q, paginator=views.BoundedPaginator,
                        section_counts=views.section_counts, count_ids=selectors.problem_list_count_ids)
    return switch


_after_state: dict = {}


def _after_switch():
    import qingshan.access.problems as current
    import qingshan.problems.selectors as selectors
    import qingshan.problems.views as views

    def switch() -> None:
        current.problem_scope_q = _after_state["scope"]
        views.BoundedPaginator = _after_state["paginator"]
        views.section_counts = _after_state["section_counts"]
        selectors.problem_list_count_ids = _after_state["count_ids"]

    return switch


def _explain(connection, name: str, client, url: str, slowest: int = 2) -> None:
    """One request of the page: its query count and database time, then its slowest queries with their plans."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    total = sum(float(q["time"]) for q in queries) * 1000
    print(f"\n== {name}: {len(queries)} queries, {total:.1f} ms in the database")
    explain = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for query in queries[:slowest]:
        print(f"-- {float(query['time']) * 1000:.1f} ms: {query['sql']}")
        with connection.cursor() as cursor:
            cursor.execute(explain + query["sql"])
            print("\n".join(str(row[-1]) for row in cursor.fetchall()))


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
