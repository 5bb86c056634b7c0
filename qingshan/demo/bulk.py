"""Fast bulk inserts of plain tuples for the demo generator: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create prepares every value of every row through the field machinery (~5 µs a value), which is most
of the cost of writing a million problems. The generator already holds values of the right Python types, so this
writes them directly, converting only what the backend needs in the form Django itself stores it (on SQLite:
datetimes as naive UTC text, dates as ISO text, decimals as text).
"""
import datetime as dt
from collections.abc import Callable, Sequence

from django.db import connection, models


def _sqlite_datetime(value):
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _sqlite_date(value):
    return None if value is None else value.isoformat()


def _sqlite_decimal(value):
    return None if value is None else str(value)


class Inserter:
    """Writes rows (tuples in `fields` order) into `model`'s table in the caller's transaction."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        self.model = model
        given = [model._meta.get_field(name) for name in fields]
        # Columns the generator does not know about (added to the model later) get their default, once.
        rest = [f for f in model._meta.concrete_fields if f not in given and not (f.primary_key and f.auto_created)
                and not isinstance(f, models.AutoField)]
        self.tail = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        self.fields = given + rest
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.converters: list[tuple[int, Callable]] = []
        if connection.vendor == "sqlite":
            for i, f in enumerate(given):
                if isinstance(f, models.DateTimeField):
                    self.converters.append((i, _sqlite_datetime))
                elif isinstance(f, models.DateField):
                    self.converters.append((i, _sqlite_date))
                elif isinstance(f, models.DecimalField):
                    self.converters.append((i, _sqlite_decimal))

    def write(self, rows: list[tuple]) -> None:
        """Insert `rows`; a no-op for an empty list."""
        if not rows:
            return
        if self.tail:
            rows = [row + self.tail for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            if self.converters:
                converted = []
                for row in rows:
                    row = list(row)
                    for i, convert in self.converters:
                        row[i] = convert(row[i])
                    converted.append(row)
                rows = converted
            marks = ", ".join(["%s"] * len(self.fields))
            cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", rows)
