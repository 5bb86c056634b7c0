"""The list of problems written since their KPI fact was computed (KpiDirty): the PostgreSQL trigger, reinstalled
after every migrate, lists them there and the worker folds them. Going back, the trigger is dropped before the table,
and install_trigger does not put it back while the table is missing: the save hook keeps the facts then."""
from django.db import migrations, models

TRIGGERS = ("dashboards_kpi_fact_insert", "dashboards_kpi_fact_update", "dashboards_kpi_fact_delete")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("problems", "Problem")._meta.db_table)
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0004_snapshot_rows_appended"),
    ]

    operations = [
        migrations.CreateModel(
            name="KpiDirty",
            fields=[
                ("problem_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("writes", models.BigIntegerField(default=1)),
            ],
        ),
        migrations.RunPython(migrations.RunPython.noop, drop_trigger),
    ]
