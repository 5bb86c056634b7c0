"""Fast bulk inserts of plain tuples for the demo generator: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create prepares every value of every row through the field machinery (~5 µs a value), which is most
of the cost of writing a million problems. The generator already holds values of the right Python types, so this
writes them directly, converting only what the backend needs in the form Django itself stores it (on SQLite:
datetimes as naive UTC text, dates as ISO text, decimals as text).
"""
import contextvars
import datetime as dt
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


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


class BackgroundWriter:
    """Runs bulk writes on a second thread, on the caller's own connection and transaction (PostgreSQL only).

    PostgreSQL spends about as long indexing a batch of rows as Python takes to generate the next one; with the writes
    on their own thread the two overlap. Jobs run one at a time in submission order, so the database sees exactly the
    writes it would have seen inline. While the writer is open the calling thread may touch the database only inside
    `database()`: a query sent while a COPY is under way on the same connection would break the wire protocol, so any
    other query is refused. On SQLite (in-process, nothing to overlap) jobs run inline and nothing is refused.
    """

    MAX_PENDING = 2  # jobs queued or running; bounds the memory held by rows not yet written

    def __init__(self):
        self.threaded = connection.vendor == "postgresql"
        self._lock = threading.Lock()
        self._holder: int | None = None
        self._pending: deque[Future] = deque()
        self._executor: ThreadPoolExecutor | None = None
        self._guard = None
        self._connection = None

    def __enter__(self) -> "BackgroundWriter":
        if self.threaded:
            self._connection = connections[DEFAULT_DB_ALIAS]
            self._connection.inc_thread_sharing()
            self._guard = self._connection.execute_wrapper(self._refuse_unlocked)
            self._guard.__enter__()
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            # Always wait for the jobs under way: the transaction must not end (or roll back) beneath them.
            self.drain(raise_errors=exc_type is None)
        finally:
            if self.threaded:
                self._executor.shutdown(wait=True)
                self._guard.__exit__(None, None, None)
                self._connection.dec_thread_sharing()

    def submit(self, job: Callable, *args) -> None:
        """Run `job(*args)` after the jobs submitted before it; inline when not threaded."""
        if not self.threaded:
            job(*args)
            return
        while len(self._pending) >= self.MAX_PENDING:
            self._pending.popleft().result()
        self._pending.append(self._executor.submit(contextvars.copy_context().run, self._run, job, args))

    def drain(self, raise_errors: bool = True) -> None:
        """Wait until every submitted job has run; re-raise the first error unless told not to."""
        error = None
        while self._pending:
            try:
                self._pending.popleft().result()
            except BaseException as exc:  # noqa: BLE001 - kept and re-raised once every job has stopped
                error = error or exc
        if error is not None and raise_errors:
            raise error

    @contextmanager
    def database(self):
        """Hold the connection for the calling thread's own queries (waits for the job under way)."""
        if not self.threaded:
            yield
            return
        with self._lock:
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None

    def _run(self, job: Callable, args: tuple) -> None:
        connections[DEFAULT_DB_ALIAS] = self._connection  # this thread works in the caller's transaction
        with self.database():
            job(*args)

    def _refuse_unlocked(self, execute, sql, params, many, context):
        if self._holder != threading.get_ident():
            raise RuntimeError("bulk writer open: query the database only inside BackgroundWriter.database()")
        return execute(sql, params, many, context)
