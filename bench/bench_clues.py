"""The discipline loop at scale on PostgreSQL: the 案管 list page and a clue's page (p95), and what the hard block
adds to the list against the same list without it, measured in the same run.

Usage: .venv/bin/python bench/bench_clues.py [--clues 200000] [--vault 20000] [--runs 3] [--requests 40]
Each run rebuilds its data in the benchmark database (default postgres://postgres@127.0.0.1:5432/qingshan_bench_clues,
`BENCH_DATABASE_URL` or --db-url): the clue test world (qingshan/clues/testing/world.py), then N clues of the city
commission written by one INSERT … SELECT FROM generate_series (reported units spread over 20 units, states spread
over the loop, a third assigned to 第一监督检查室) and M vault rows, then VACUUM ANALYZE.

Figures (each: `--runs` runs of `--requests` requests; the median of the runs' p95 and their range):
- 案管 list: GET /clues/ as 孔案管 (案管室) through the Django test client (whole request: middleware, selector,
  template), first page.
- clue page: GET /clues/<id>/ as 孔案管, over ids drawn from the whole table.
- API list: GET /api/clues/ as 孔案管 with a token, first page (its count bounded as on the page).
- hard block: the list's queries (first page and its count) for 孔案管 through `visible_clues` against the same
  queries through the handling circle alone (`circle_q`, no block), alternated request by request; the ratio is
  with / without.
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

from bench.bench_pages import _ensure_database  # noqa: E402 - the path above makes `bench` importable

STATES = ["received", "accepted", "numbered", "assigned", "handling", "proposed", "studied", "inquiry", "verifying",
          "shelved", "closed", "closed", "closed", "case", "duplicate", "not_accepted"]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _build(connection, world, clues: int, vault: int) -> None:
    from qingshan.access.crypto import encrypt
    from qingshan.clues.models import Clue
    from qingshan.orgs.choices import OrgKind
    from qingshan.orgs.models import Organisation

    units = [world.eco, world.water, world.eco_station]
    units += [Organisation.objects.create(name=f"市基准单位{i:02d}", kind=OrgKind.UNIT, region=world.city)
              for i in range(17)]
    unit_ids = "(ARRAY[" + ",".join(str(u.pk) for u in units) + "])"
    states = "(ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]::varchar[])"
    expressions = {
        "commission_id": str(world.commission.pk),
        "intake_ref": "'B' || g",
        "number": "CASE WHEN g %% 16 NOT IN (0, 1, 14, 15) THEN '青山市纪委监委线〔2026〕' || g || '号' ELSE '' END",
        "number_year": "2026", "number_seq": "CASE WHEN g %% 16 NOT IN (0, 1, 14, 15) THEN g END",
        "source": "(ARRAY['letter','visit','phone','web12388'])[1 + g %% 4]",
        "received_on": "DATE '2026-11-20' - (g %% 700)",
        "reported_unit_id": f"{unit_ids}[1 + g %% {len(units)}]",
        "reported_name": "'被反映人' || (g %% 5000)", "summary": "'反映某某在项目审批中收受企业财物。'",
        "is_real_name": "g %% 3 = 0", "state": f"{states}[1 + g %% {len(STATES)}]",
        "assigned_org_id": f"CASE WHEN g %% 3 = 0 AND g %% 16 > 2 THEN {world.office.pk} END",
        "created_by_id": str(world.xinfang.pk), "created_at": "now()",
    }
    columns, values = [], []
    for field in Clue._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in expressions:
            columns.append(field.column)
            values.append(expressions[field.column])
        elif not field.null:
            columns.append(field.column)
            values.append("false" if field.get_internal_type() == "BooleanField" else "''")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO clues_clue ({', '.join(columns)}) SELECT {', '.join(values)} "
                       f"FROM generate_series(1, %s) AS g", [clues])
        token = encrypt("基准举报人")
        cursor.execute("INSERT INTO clues_reportervault (clue_id, masked, name_encrypted, unit_encrypted, "
                       "address_encrypted, phone_encrypted, id_number_encrypted, text_encrypted) "
                       "SELECT id, '王**（实名）', %s, '', '', %s, '', %s FROM clues_clue ORDER BY id LIMIT %s",
                       [token, token, token, vault])
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clues", type=int, default=200_000)
    parser.add_argument("--vault", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qingshan_bench_clues"))
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

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    from qingshan.access.clues import circle_q, visible_clues
    from qingshan.clues.models import Clue
    from qingshan.clues.testing.world import build_clue_world
    from qingshan.core.paging import BoundedPaginator

    started = time.perf_counter()
    world = build_clue_world()
    _build(connection, world, args.clues, args.vault)
    print(f"built {args.clues:,} clues and {args.vault:,} vault entries in {time.perf_counter() - started:.0f} s")

    client = Client()
    client.force_login(world.anguan)
    ids = list(Clue.objects.values_list("pk", flat=True))
    rng = random.Random(11)

    def timed(fn) -> float:
        began = time.perf_counter()
        fn()
        return (time.perf_counter() - began) * 1000

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return run

    def page_of(queryset):
        def run():
            page = BoundedPaginator(queryset.order_by("-received_on", "-id"), 30).get_page(1)
            list(page)
            page.paginator.count  # noqa: B018 - the count the pager shows
        return run

    user = world.anguan
    from qingshan.api.testing import issue_test_token

    api = Client(HTTP_AUTHORIZATION=f"Token {issue_test_token(world.anguan)}")

    def api_list():
        response = api.get("/api/clues/")
        assert response.status_code == 200, response.status_code

    figures: dict[str, list[float]] = {"list": [], "detail": [], "api": [], "blocked": [], "unblocked": []}
    get("/clues/")()  # warm-up: imports, template loading, the user's profile
    api_list()
    for _run in range(args.runs):
        lists = [timed(get("/clues/")) for _ in range(args.requests)]
        details = [timed(get(f"/clues/{rng.choice(ids)}/")) for _ in range(args.requests)]
        apis = [timed(api_list) for _ in range(args.requests)]
        with_block, without = [], []
        for _ in range(args.requests):
            with_block.append(timed(page_of(visible_clues(user))))
            without.append(timed(page_of(Clue.objects.filter(circle_q(user)))))
        figures["list"].append(p95(lists))
        figures["detail"].append(p95(details))
        figures["api"].append(p95(apis))
        figures["blocked"].append(statistics.median(with_block))
        figures["unblocked"].append(statistics.median(without))

    def line(name: str, values: list[float]) -> str:
        return f"{name}: median {statistics.median(values):.1f} ms (range {min(values):.1f}–{max(values):.1f})"

    print(line("案管 list page p95", figures["list"]))
    print(line("clue page p95", figures["detail"]))
    print(line("API list p95", figures["api"]))
    print(line("list queries with the hard block (median)", figures["blocked"]))
    print(line("list queries without it (median)", figures["unblocked"]))
    ratios = [b / u for b, u in zip(figures["blocked"], figures["unblocked"], strict=True)]
    print(f"hard-block ratio with/without: median {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}–{max(ratios):.3f}); goal ≤ 1.10")
    print("load average at the end (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
