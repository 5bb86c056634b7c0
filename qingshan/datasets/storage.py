"""Opening the embedded DuckDB file, the one-writer-at-a-time lock, and the SQL that turns text into typed values.

Every identifier that reaches SQL here has passed `catalog.IDENTIFIER` and is quoted as well; values are bound
parameters, except file paths in views over external Parquet (DuckDB cannot bind those), which are quoted literals.
"""
import fcntl
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from django.conf import settings

from .catalog import duckdb_path

# Column names and codes are IDENTIFIERs; table names add a short prefix (ds_, stg_) to one.
SQL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,70}$")

# How long to wait for another process holding the DuckDB file (a running import or model run) before giving up.
OPEN_RETRY_SECONDS = 30.0
# Local wall-clock timestamps are stored without zone; pin the session zone so casts never shift them.
SESSION_TIME_ZONE = "Asia/Shanghai"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier, only for names that are plain identifiers (refuses anything else)."""
    if not SQL_NAME.match(name or ""):
        raise ValueError(f"非法标识符：{name!r}")
    return f'"{name}"'


def quote_literal(text: str) -> str:
    """A single-quoted SQL string literal (for the rare places DuckDB cannot take a bound parameter)."""
    return "'" + text.replace("'", "''") + "'"


def _open(read_only: bool) -> duckdb.DuckDBPyConnection:
    path = duckdb_path()
    if read_only and not path.exists():
        duckdb.connect(str(path)).close()  # a read-only open needs the file to exist
    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise
            # This process already holds the file in the other mode. A reader joins a writing instance (DuckDB
            # shares one instance per process; reads still see only committed data); a writer must not get a
            # read-only instance, so it waits for the readers (short-lived) to close.
            if read_only:
                return duckdb.connect(str(path), read_only=False)
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except duckdb.IOException as exc:
            # Another process holds the file; connections are short-lived, so wait a little and retry.
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def duckdb_connect(read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the data-set DuckDB file with the session time zone pinned, closed on exit.

    `read_only=True` opens the file read-only unless this same process already has it open for writing, in which
    case the existing instance is shared (DuckDB allows one configuration per file per process): callers must not
    rely on the file mode to stop writes — the model compiler only emits SELECTs anyway.
    """
    con = _open(read_only)
    try:
        con.execute(f"SET TimeZone = {quote_literal(SESSION_TIME_ZONE)}")
        yield con
    finally:
        con.close()


@contextmanager
def writer_lock(blocking: bool = True) -> Iterator[bool]:
    """Serialise every writer of the DuckDB file (imports, schema changes, bulk loads) across threads and processes.
    Yields True once held; with `blocking=False` yields False at once when another writer holds it."""
    settings.DATASETS_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATASETS_DIR / "writer.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "真")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "假")


def typed_sql(column: str, logical_type: str, qualifier: str = "") -> str:
    """SQL turning the text column `column` into its logical type; NULL where the text is not a valid value."""
    ref = f"{qualifier}.{quote_ident(column)}" if qualifier else quote_ident(column)
    raw = f"NULLIF(TRIM({ref}), '')"
    if logical_type == "string":
        return raw
    if logical_type == "integer":
        # DuckDB rounds '1.5' to 2 when casting; accept whole numbers only (spreadsheets write 12 as 12.0).
        return (f"CASE WHEN regexp_full_match({raw}, '[+-]?[0-9]+(\\.0*)?') "
                f"THEN TRY_CAST(TRY_CAST({raw} AS DECIMAL(38,0)) AS BIGINT) END")
    if logical_type == "decimal":
        return f"TRY_CAST({raw} AS DECIMAL(18,6))"
    if logical_type == "double":
        return f"TRY_CAST({raw} AS DOUBLE)"
    if logical_type == "date":
        return (f"COALESCE(TRY_CAST({raw} AS DATE), TRY_CAST(TRY_STRPTIME({raw}, '%Y/%m/%d') AS DATE), "
                f"TRY_CAST(TRY_STRPTIME({raw}, '%Y%m%d') AS DATE))")
    if logical_type == "timestamp":
        return (f"COALESCE(TRY_CAST({raw} AS TIMESTAMP), TRY_STRPTIME({raw}, '%Y/%m/%d %H:%M:%S'), "
                f"TRY_STRPTIME({raw}, '%Y/%m/%d %H:%M'))")
    if logical_type == "boolean":
        trues = ", ".join(quote_literal(w) for w in TRUE_WORDS)
        falses = ", ".join(quote_literal(w) for w in FALSE_WORDS)
        return f"CASE WHEN LOWER({raw}) IN ({trues}) THEN TRUE WHEN LOWER({raw}) IN ({falses}) THEN FALSE END"
    raise ValueError(f"未知字段类型：{logical_type}")
