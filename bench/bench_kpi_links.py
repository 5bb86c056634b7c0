"""考核指标's table rows with their drill-down links: built once per row (tables._Links) against list_url per figure
(as before), alternating in one process, on the same KPI rows.

Usage: .venv/bin/python bench/bench_kpi_links.py --db-url postgres://postgres@127.0.0.1:5432/qs_h13
                                                 [--group-by unit] [--runs 7]
The rows are the leader's KPI table for this year until the demo's last day; the check that both give the same
links runs first.
"""
import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--group-by", default="unit")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = args.db_url
    import django

    django.setup()
    from qingshan.dashboards import tables
    from qingshan.dashboards.selectors import kpi_table
    from qingshan.orgs.models import User
    from qingshan.problems.models import Problem

    last = Problem.objects.order_by("-received_on").values_list("received_on", flat=True).first()
    assert last is not None, "the database holds no problems"
    filters = tables.Filters(args.group_by, dt.date(last.year, 1, 1), last, last)
    rows = kpi_table(user=User.objects.get(username="leader"), group_by=args.group_by,
                     received_from=filters.received_from, received_to=filters.received_to, as_of=filters.as_of)
    once_per_row = tables._Links

    class PerFigure:  # as before: list_url for every figure
        def __init__(self, row, filters, base):
            self.row, self.filters = row, filters

        def url(self, condition):
            return tables.list_url(condition=condition, filters=self.filters, row=self.row)

    def build(links):
        tables._Links = links
        try:
            return tables.display_rows(rows, filters)
        finally:
            tables._Links = once_per_row

    def urls(shown):
        return [[(c.figure and c.figure.url, c.numerator and c.numerator.url, c.denominator and c.denominator.url)
                 for c in r.cells] for r in shown]

    assert urls(build(PerFigure)) == urls(build(once_per_row))
    samples: dict[str, list[float]] = {"per_figure": [], "per_row": []}
    for i in range(max(3, args.runs)):
        order = [("per_figure", PerFigure), ("per_row", once_per_row)]
        for name, links in order if i % 2 == 0 else order[::-1]:
            began = time.perf_counter()
            build(links)
            samples[name].append((time.perf_counter() - began) * 1000)
    summary = {k: f"{statistics.median(v):.1f} ms ({min(v):.1f}–{max(v):.1f})" for k, v in samples.items()}
    print(f"{Problem.objects.count():,} problems, {len(rows)} rows by {args.group_by}: {summary}; ratio per_row/"
          f"per_figure {statistics.median(samples['per_row']) / statistics.median(samples['per_figure']):.3f}; "
          f"load {'/'.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
