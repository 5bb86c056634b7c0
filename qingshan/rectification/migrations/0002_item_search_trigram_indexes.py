"""Trigram indexes for 整改清单's keyword search, on PostgreSQL only (a no-op on SQLite).

The search is `title__icontains` OR `number__icontains`, which Django writes on PostgreSQL as
`UPPER(col::text) LIKE UPPER('%…%')`; a GIN index of `pg_trgm` on the same expression serves it (a BitmapOr of the
two indexes instead of reading every visible item). PostgreSQL built with a UTF-8 ctype (here C.UTF-8) makes
trigrams of Chinese characters too, so a search of three or more characters is narrowed by the index; a one- or
two-character search has no trigram inside it and is still a full read.

The indexes are kept out of the model's Meta on purpose: SQLite rebuilds a table with every index the model
declares, and a GIN index cannot be built there. `pg_trgm` is a trusted extension (PostgreSQL 13+): the owner of
the database may create it.
"""
from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS rect_title_trgm_idx ON rectification_item USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS rect_number_trgm_idx ON rectification_item USING gin (UPPER(number) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS rect_number_trgm_idx",
    "DROP INDEX IF EXISTS rect_title_trgm_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("rectification", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
