"""EXPLAIN ANALYZE of 整改清单's own statements (the bounded count and the page) on the benchmark database that
bench_rectification.py built: the city office (all, 红牌), a unit handler, and a keyword that matches nothing.

Usage: .venv/bin/python bench/explain_rectification.py [--db-url postgres://postgres@127.0.0.1:5432/qs_rect_bench]
Prints per statement its execution time and the first scans of its plan.
"""
import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/qs_rect_bench"))
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = args.db_url

    import django

    django.setup()
    from django.db import connection
    from django.http import QueryDict

    from qingshan.orgs.models import User
    from qingshan.rectification import selectors, views

    for username, query in (("officer", ""), ("officer", "warning=red"), ("eco_handler", ""),
                            ("officer", "q=无此事项")):
        user = User.objects.get(username=username)
        items = selectors.item_list(user=user, params=QueryDict(query)).only(*selectors.LIST_FIELDS)
        statements = (("count", items.order_by().values("pk")[:views.LIST_COUNT_BOUND + 1]),
                      ("page", items[:views.PAGE_SIZE]))
        for label, queryset in statements:
            sql, params = queryset.query.sql_with_params()
            if label == "count":
                sql = f"SELECT COUNT(*) FROM ({sql}) s"
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            scans = " / ".join([line.strip()[:90] for line in plan if "Scan" in line][:2])
            print(f"{username:12} {query or '(all)':14} {label:5} {plan[-1].strip():28} | {scans}")


if __name__ == "__main__":
    main()
