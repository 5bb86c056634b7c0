"""Seals of import batches: what was written can be shown, later, to be exactly what is still stored (issue 16).

Every row a batch writes carries the batch's id in the reserved column ``qs_batch``. When the batch is written, the
hash of its rows is computed IN DuckDB inside the same DuckDB transaction, and the batch's seal is recorded, chained
to the previous seal of the same data set, with the audit event of the import.

Canonical encoding (version ``qingshan-batch-seal/1``; the stand-alone ``tools/verify_evidence.py`` repeats it):

1. **Columns**: the data set's schema columns in schema order, as they were when the batch was sealed (the seal
   lists them as ``name:type``). The reserved ``qs_batch`` column is not part of a row.
2. **Text form of a value**, by logical type:
   string → the text itself; integer → decimal digits with a leading ``-`` if negative; decimal (DECIMAL(18,6)) →
   fixed point with exactly 6 decimals (``12.500000``, ``-0.250000``); double → C ``printf("%.17g")``
   (``0.10000000000000001``, ``nan``, ``inf``); date → ``YYYY-MM-DD``; timestamp → ``YYYY-MM-DD HH:MM:SS.ffffff``
   (local time, no zone); boolean → ``1`` or ``0``.
3. **A field** is ``<number of UTF-8 bytes of the text>:<text>``; NULL is the single character ``-`` (a length never
   starts with ``-``, so NULL and every text stay distinct, and no escaping is needed).
4. **A row's digest** is the lower-case hex SHA-256 of the UTF-8 bytes of its fields concatenated in column order.
5. **The batch's rows hash** is the lower-case hex SHA-256 of the concatenation of its rows' digests sorted in
   ascending (byte) order: the order rows are stored in does not matter, a repeated row counts each time, and a
   batch without rows hashes the empty string.
6. **The seal** is the lower-case hex SHA-256 of the UTF-8 text made of these lines, each ended by ``\\n``::

       qingshan-batch-seal/1
       dataset=<code>
       batch=<batch id>
       previous=<the seal of the data set's previous sealed batch, empty for the first>
       columns=<name:type,name:type,...>
       rows=<row count>
       rows_sha256=<rows hash>
       file_sha256=<SHA-256 of the source file as uploaded>
       importer=<the importer's user name, empty for the system>
       sealed_at=<UTC time, ISO 8601 with microseconds, e.g. 2026-03-01T08:00:00.000000+00:00>

Verification re-hashes the stored rows of every sealed batch (one grouped scan per data set) and compares count and
hash; rows whose ``qs_batch`` names no sealed batch (inserted afterwards, or edited to move) are reported too, and a
batch replaced by a later "替换全部数据" import must have no rows left. The chain is checked by recomputing every seal
from its recorded fields.
"""
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal

import duckdb

from .storage import quote_ident

SEAL_VERSION = "qingshan-batch-seal/1"
BATCH_COLUMN = "qs_batch"  # reserved: schema.parse_spec refuses a column of this name
NULL_FIELD = "-"


# ---------------------------------------------------------------- SQL (DuckDB)


def text_sql(column: str, logical_type: str) -> str:
    """DuckDB SQL for the canonical text form of a stored column (NULL stays NULL)."""
    ref = quote_ident(column)
    if logical_type in ("string",):
        return ref
    if logical_type in ("integer", "decimal"):
        return f"CAST({ref} AS VARCHAR)"  # BIGINT digits; DECIMAL(18,6) always with its 6 decimals
    if logical_type == "double":
        return f"printf('%.17g', {ref})"
    if logical_type == "date":
        return f"strftime({ref}, '%Y-%m-%d')"
    if logical_type == "timestamp":
        return f"strftime({ref}, '%Y-%m-%d %H:%M:%S.%f')"
    if logical_type == "boolean":
        return f"CASE WHEN {ref} THEN '1' WHEN NOT {ref} THEN '0' END"
    raise ValueError(f"未知字段类型：{logical_type}")


def row_text_sql(columns: Sequence[tuple[str, str]]) -> str:
    """DuckDB SQL for a row's canonical text: its fields (length-prefixed, NULL as '-') in column order."""
    fields = []
    for name, logical_type in columns:
        text = text_sql(name, logical_type)
        fields.append(f"COALESCE(CAST(strlen({text}) AS VARCHAR) || ':' || {text}, '{NULL_FIELD}')")
    return "concat(" + ", ".join(fields) + ")" if fields else "''"


def row_digest_sql(columns: Sequence[tuple[str, str]]) -> str:
    return f"sha256({row_text_sql(columns)})"


def batch_hashes(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
                 batch_ids: Iterable[int] | None = None) -> dict[int | None, tuple[int, str]]:
    """{batch id (None for rows of no batch): (row count, rows hash)} for the rows stored in `table`, in one scan;
    only the given batches when `batch_ids` is given."""
    where = ""
    if batch_ids is not None:
        ids = sorted({int(i) for i in batch_ids})
        if not ids:
            return {}
        where = f" WHERE {quote_ident(BATCH_COLUMN)} IN ({', '.join(str(i) for i in ids)})"
    rows = con.execute(
        f"SELECT b, count(*), sha256(string_agg(d, '' ORDER BY d)) FROM (SELECT {quote_ident(BATCH_COLUMN)} AS b, "
        f"{row_digest_sql(columns)} AS d FROM {quote_ident(table)}{where}) GROUP BY b").fetchall()
    return {b: (n, h) for b, n, h in rows}


def extra_values(con: duckdb.DuckDBPyConnection, table: str, extra: Sequence[str],
                 batch_ids: Iterable[int]) -> dict[int, int]:
    """{batch id: rows holding a value in any of `extra`} — columns added to the schema after the batch was sealed
    are NULL in its rows unless someone wrote them since."""
    ids = sorted({int(i) for i in batch_ids})
    if not extra or not ids:
        return {}
    condition = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in extra)
    found = con.execute(f"SELECT {quote_ident(BATCH_COLUMN)}, count(*) FROM {quote_ident(table)} "
                        f"WHERE {quote_ident(BATCH_COLUMN)} IN ({', '.join(str(i) for i in ids)}) AND ({condition}) "
                        f"GROUP BY ALL").fetchall()
    return dict(found)


# ---------------------------------------------------------------- Python reference (tests, evidence packages)


def text_of(value, logical_type: str) -> str | None:
    """The canonical text form of a Python value of a logical type (None for NULL): the same as text_sql()."""
    if value is None:
        return None
    if logical_type == "string":
        return str(value)
    if logical_type == "integer":
        return str(int(value))
    if logical_type == "decimal":
        return f"{Decimal(value):.6f}"
    if logical_type == "double":
        return f"{float(value):.17g}"  # as C printf("%.17g")
    if logical_type == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if logical_type == "timestamp":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if logical_type == "boolean":
        return "1" if value else "0"
    raise ValueError(f"未知字段类型：{logical_type}")


def row_digest_of_texts(texts: Sequence[str | None]) -> str:
    """A row's digest from the canonical texts of its fields (None for NULL)."""
    body = "".join(NULL_FIELD if t is None else f"{len(t.encode('utf-8'))}:{t}" for t in texts)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def rows_hash_of_digests(digests: Iterable[str]) -> str:
    return hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()


def seal_text(*, dataset: str, batch: int, previous: str, columns: Sequence[tuple[str, str]], rows: int,
              rows_sha256: str, file_sha256: str, importer: str, sealed_at: dt.datetime) -> str:
    """The text whose SHA-256 is the seal (see the module docstring)."""
    stamp = sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    lines = [SEAL_VERSION, f"dataset={dataset}", f"batch={batch}", f"previous={previous}",
             "columns=" + ",".join(f"{n}:{t}" for n, t in columns), f"rows={rows}", f"rows_sha256={rows_sha256}",
             f"file_sha256={file_sha256}", f"importer={importer}", f"sealed_at={stamp}"]
    return "".join(line + "\n" for line in lines)


def seal_of(**fields) -> str:
    return hashlib.sha256(seal_text(**fields).encode("utf-8")).hexdigest()
