"""Snapshot rows are appended, not upserted: a key may have several rows (summed by readers, folded by compaction),
so its unique constraint goes.

The PostgreSQL trigger installed before this migration upserts on that constraint, so it is dropped here (before the
constraint, in the same transaction) and installed again in its new form by the post_migrate hook at the end of
this migrate (dashboards.snapshots.install_trigger). Problems written by other migrations of the same run in
between are not kept by it; the nightly check finds and repairs such facts (and audits the repair)."""
from django.db import migrations

TRIGGERS = ("dashboards_kpi_fact_insert", "dashboards_kpi_fact_update", "dashboards_kpi_fact_delete")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("problems", "Problem")._meta.db_table)
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0003_kpi_snapshots"),
        ("problems", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_trigger, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="kpisnapshot",
            name="kpisnapshot_key",
        ),
    ]
