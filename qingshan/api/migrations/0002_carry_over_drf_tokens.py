"""Carry DRF's plain-text tokens (rest_framework.authtoken) over into ApiToken as digests, then drop their table.

Existing integrations keep their key: it is hashed into the new store with a fresh validity of 365 days. The old
table is dropped so that no usable key stays in the database (or its backups from now on), and authtoken's rows in
django_migrations go with it, since the app is no longer installed. On a database that never had authtoken (a new
installation) this does nothing.
"""
import datetime as dt
import hashlib

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

OLD_TABLE = "authtoken_token"
CARRIED_OVER_DAYS = 365  # frozen here: the command's default may change later, this migration must not


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return
        q = connection.ops.quote_name
        cursor.execute(f"SELECT {q('key')}, {q('created')}, {q('user_id')} FROM {q(OLD_TABLE)}")
        rows = cursor.fetchall()
    ApiToken = apps.get_model("api", "ApiToken")
    now = timezone.now()
    ApiToken.objects.bulk_create([
        ApiToken(user_id=user_id, digest=hashlib.sha256(key.encode()).hexdigest(), created_at=_aware(created) or now,
                 expires_at=now + dt.timedelta(days=CARRIED_OVER_DAYS))
        for key, created, user_id in rows
    ])
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


def _aware(value):
    # SQLite hands a raw query's datetime back naive, in UTC (how Django stores it there); PostgreSQL aware.
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        # Not reversible in substance: the plain keys are gone; going back leaves the digests' table to 0001's undo.
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
