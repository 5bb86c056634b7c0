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


COUNTED = ("received", "closed", "closed_on_time", "closed_or_overdue", "overdue", "open", "dispatched",
           "signed_on_time", "reviewed", "rejected", "urged", "duplicates", "red_open")


def merge_rows(apps, schema_editor):
    """Going back: one row per key again, so that the key can be unique (the sums are kept)."""
    table = apps.get_model("dashboards", "KpiSnapshot")._meta.db_table
    key = "received_on, district_path, dim, dim_value"
    columns = ", ".join(f"n_{name}" for name in COUNTED)
    sums = ", ".join(f"SUM(n_{name})" for name in COUNTED)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        (last,) = cursor.fetchone()
        if last is None:
            return
        cursor.execute(f"INSERT INTO {table} ({key}, {columns}) SELECT {key}, {sums} FROM {table} WHERE id <= %s "
                       f"GROUP BY {key}", [last])
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last])


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
        migrations.RunPython(migrations.RunPython.noop, merge_rows),  # reversed first, before the key is unique
    ]
