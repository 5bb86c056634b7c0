"""Open problems by handling deadline: what every overdue count and list looks for (inbox 已超期, ?overdue=1, KPI
drill-downs). A partial index, so it holds only the few per cent of problems still open and stays small at any size.

The overdue condition (qingshan.problems.kpis.overdue) reads `closed_at IS NULL OR closed_at >= <end of as-of>`;
PostgreSQL uses this index for the first branch of that OR (a BitmapOr with the closed_at index for the second), so
it visits the heap only for open problems already past their deadline instead of every open one (bench/RESULTS.md).
Written as SQL because the model declares no partial index: the model state is unchanged.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX problem_open_deadline_idx ON problems_problem (handle_deadline) WHERE closed_at IS NULL",
            reverse_sql="DROP INDEX problem_open_deadline_idx",
        ),
    ]
