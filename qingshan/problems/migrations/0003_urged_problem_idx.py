"""Problems urged at least once: the reminder sweep's "escalate after K urgings" looks for them every minute.

Without it that condition is one sequential scan of the whole table per sweep (1.3 s of a 2.1 s no-op sweep at
1,000,000 problems, bench/RESULTS_sweep.md). Partial, so it holds only the urged few. Written as SQL like 0002.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("problems", "0002_open_problem_deadline_idx")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX problem_urged_idx ON problems_problem (urge_count) WHERE urge_count > 0",
            reverse_sql="DROP INDEX problem_urged_idx",
        ),
    ]
