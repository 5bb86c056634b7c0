"""Seals of import batches: what was written can be shown, later, to be exactly what is still stored (issue 16).

Every row a batch writes carries the batch's id in the reserved column ``qs_batch``. When the batch is written, the
hash of its rows is computed from the stored rows inside the same DuckDB transaction, and the batch's seal is
recorded, chained to the previous seal of the same data set, with the audit event of the import.

Every seal records the version of the algorithm that made it (``BatchSeal.version``); verification re-hashes each
batch by its seal's version. New seals are version 2 (below); seals of version 1 (the first build, at the end)
keep verifying by version 1.

Rows hash (version ``qingshan-batch-seal/2``; the stand-alone ``tools/verify_evidence.py`` repeats it from the
evidence package's canonical CSV text). It is cheap because nothing is sorted and nothing is hashed per row: the
batch's columns are read as Arrow record batches and whole buffers go through SHA-256 (hardware-accelerated).

1. **Rows and columns**: the rows of the batch in their stored order (DuckDB keeps insertion order, and the importer
   inserts a file's rows in the file's order), the data set's schema columns in schema order as they were when the
   batch was sealed (the seal lists them as ``name:type``). ``qs_batch`` is not part of a row.
2. **Each column is hashed as its own byte streams** over all the batch's rows, every number little-endian:
   * *presence*: one byte per row, ``01`` for a value, ``00`` for NULL;
   * *values*, fixed width per row, zero bytes for NULL: integer → signed 8 bytes; decimal (DECIMAL(18,6)) → the
     unscaled value (value × 10⁶) as a signed 16-byte integer; double → IEEE-754 binary64; date → signed 4-byte
     days since 1970-01-01; timestamp → signed 8-byte microseconds since 1970-01-01 00:00:00 of the stored local
     time (no zone); boolean → one byte ``01``/``00``; string → its UTF-8 length as an unsigned 4-byte integer;
   * *text* (strings only): the UTF-8 bytes of the values, one after another.
   The presence stream and the lengths make each stream decode to exactly one sequence of values, so any change,
   deletion, insertion or move of a row changes at least one stream.
3. **The batch's rows hash** is the lower-case hex SHA-256 of the UTF-8 text ``rows=<row count>\n`` followed by
   one line per column: ``<name>:<type>:<SHA-256 of presence>:<SHA-256 of values>[:<SHA-256 of text>]\n``.
4. **The seal** is the lower-case hex SHA-256 of the UTF-8 text made of these lines, each ended by ``\n``::

       qingshan-batch-seal/2
       dataset=<code>
       batch=<batch id>
       previous=<the seal of the data set's previous sealed batch, empty for the first>
       columns=<name:type,name:type,...>
       rows=<row count>
       rows_sha256=<rows hash>
       file_sha256=<SHA-256 of the source file as uploaded>
       importer=<the importer's user name, empty for the system>
       sealed_at=<UTC time, ISO 8601 with microseconds, e.g. 2026-03-01T08:00:00.000000+00:00>

Version 1 (``qingshan-batch-seal/1``, the first build; kept so that its seals still verify, never made anew): each
value's canonical text (``text_sql``/``text_of`` below) as a field ``<number of UTF-8 bytes>:<text>``, NULL as the
single character ``-``; a row's digest is the hex SHA-256 of its fields concatenated in column order; the rows hash
is the hex SHA-256 of the rows' digests sorted ascending and concatenated (so stored order does not count); the seal
is the SHA-256 of the same lines as version 2 headed ``qingshan-batch-seal/1``.

Verification re-hashes the stored rows of every sealed batch (one scan per batch, DuckDB skipping the row groups of
other batches) and compares count and hash; rows whose ``qs_batch`` names no sealed batch (inserted afterwards, or
edited to move) are reported too, and a batch replaced by a later "替换全部数据" import must have no rows left. The
chain is checked by recomputing every seal from its recorded fields.
"""
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

import duckdb

from .storage import quote_ident

SEAL_VERSION = 2  # the version of new seals
SEAL_HEADERS = {1: "qingshan-batch-seal/1", 2: "qingshan-batch-seal/2"}  # the first line of the seal text
V1_NULL_FIELD = "-"
BATCH_COLUMN = "qs_batch"  # reserved: schema.parse_spec refuses a column of this name
# Rows per Arrow record batch read while hashing: bounded memory, few Python steps, and buffers small enough for the
# allocator to reuse (2**20 rows cost a fifth more CPU at 5M rows, in page faults of fresh 100 MB buffers).
READ_ROWS = 1 << 18
# Threads hashing the columns of one record batch while DuckDB produces the next (hashlib and pyarrow.compute
# release the GIL on large buffers). Each column's streams are fed in order, by one task at a time.
HASH_THREADS = 2
_PRESENT = b"\x01" * READ_ROWS  # the presence stream of a chunk without NULLs (a slice of it)
# Bytes per value in the values stream, by logical type (strings: their 4-byte length).
WIDTH = {"integer": 8, "decimal": 16, "double": 8, "date": 4, "timestamp": 8, "boolean": 1, "string": 4}


# ---------------------------------------------------------------- the rows hash from DuckDB (Arrow)


def _select_sql(column: str, logical_type: str) -> str:
    """The stored column as read for hashing: booleans as one byte (Arrow packs booleans in bits)."""
    ref = quote_ident(column)
    return f"CAST({ref} AS UTINYINT)" if logical_type == "boolean" else ref


def _zero(pa, arrow_type, logical_type: str):
    """The value whose bytes are all zero in `arrow_type` (what a NULL's slot holds in the values stream)."""
    if logical_type == "string":
        return ""
    if logical_type == "decimal":
        return pa.scalar(Decimal(0), type=arrow_type)
    if logical_type == "date":
        return pa.scalar(dt.date(1970, 1, 1), type=arrow_type)
    if logical_type == "timestamp":
        return pa.scalar(dt.datetime(1970, 1, 1), type=arrow_type)  # noqa: DTZ001 -- stored without a zone
    return pa.scalar(0, type=arrow_type)


class _ColumnHasher:
    """The presence, values and (strings) text streams of one column, fed Arrow arrays chunk by chunk."""

    def __init__(self, name: str, logical_type: str):
        if logical_type not in WIDTH:
            raise ValueError(f"未知字段类型：{logical_type}")
        self.name, self.type = name, logical_type
        self.presence, self.values, self.text = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()

    def feed(self, array) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(array)
        if array.null_count:
            present = pc.cast(pc.is_valid(array), pa.uint8())
            self.presence.update(memoryview(present.buffers()[1])[present.offset:present.offset + n])
            array = pc.fill_null(array, _zero(pa, array.type, self.type))  # NULL's slot: zero bytes, no text
        else:
            self.presence.update(memoryview(_PRESENT)[:n] if n <= len(_PRESENT) else b"\x01" * n)
        if self.type == "string":
            lengths = pc.binary_length(array)  # int32 for Arrow strings: the same bytes as uint32 (never negative)
            if lengths.type != pa.int32():
                lengths = pc.cast(lengths, pa.uint32())
            self.values.update(memoryview(lengths.buffers()[1])[lengths.offset * 4:(lengths.offset + n) * 4])
            offsets = array.buffers()[1]
            width = 8 if pa.types.is_large_string(array.type) else 4
            first = int.from_bytes(offsets[array.offset * width:(array.offset + 1) * width], "little")
            last = int.from_bytes(offsets[(array.offset + n) * width:(array.offset + n + 1) * width], "little")
            self.text.update(memoryview(array.buffers()[2])[first:last] if n else b"")
        else:
            width = WIDTH[self.type]
            if array.type.byte_width != width:
                raise ValueError(f"字段 {self.name} 的存储宽度 {array.type.byte_width} 与封存定义不符")
            self.values.update(memoryview(array.buffers()[1])[array.offset * width:(array.offset + n) * width])

    def line(self) -> str:
        parts = [self.name, self.type, self.presence.hexdigest(), self.values.hexdigest()]
        if self.type == "string":
            parts.append(self.text.hexdigest())
        return ":".join(parts)


def rows_hash_text(rows: int, lines: Iterable[str]) -> str:
    return f"rows={rows}\n" + "".join(line + "\n" for line in lines)


def batch_hash(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
               batch_id: int, version: int = SEAL_VERSION) -> tuple[int, str]:
    """(row count, rows hash) of the rows of batch `batch_id` stored in `table`, by seal version `version` (version
    2: in stored order, see above)."""
    if version == 1:
        return batch_hash_v1(con, table, columns, batch_id)
    if version != 2:
        raise ValueError(f"未知的封存算法版本：{version}")
    con.execute("SET preserve_insertion_order = true")  # a model engine in this process may have switched it off
    hashers = [_ColumnHasher(name, logical_type) for name, logical_type in columns]
    select = ", ".join(_select_sql(n, t) for n, t in columns) or "1"
    reader = con.execute(f"SELECT {select} FROM {quote_ident(table)} WHERE {quote_ident(BATCH_COLUMN)} = ?",
                         [int(batch_id)]).to_arrow_reader(READ_ROWS)
    rows = 0
    with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="qs-seal") as pool:
        feeding: list[Future | None] = [None] * len(hashers)  # each column's task for the previous chunk
        for chunk in reader:  # DuckDB produces the next chunk while the threads hash this one
            rows += chunk.num_rows
            for index, (hasher, array) in enumerate(zip(hashers, chunk.columns, strict=False)):
                if (previous := feeding[index]) is not None:
                    previous.result()  # the column's streams take the chunks in order
                feeding[index] = pool.submit(hasher.feed, array)
        for task in feeding:
            if task is not None:
                task.result()
    digest = hashlib.sha256(rows_hash_text(rows, (h.line() for h in hashers)).encode("utf-8")).hexdigest()
    return rows, digest


def batch_hashes(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
                 batch_ids: Iterable[int] | None = None,
                 version: int = SEAL_VERSION) -> dict[int | None, tuple[int, str]]:
    """{batch id (None for rows of no batch): (row count, rows hash by seal version `version`)} for the rows stored
    in `table`; only the given batches when `batch_ids` is given (rows of no batch are counted, never hashed: no
    seal vouches for them)."""
    if batch_ids is None:
        found = con.execute(f"SELECT {quote_ident(BATCH_COLUMN)}, count(*) FROM {quote_ident(table)} "
                            f"GROUP BY ALL").fetchall()
        ids = [b for b, _n in found if b is not None]
        out: dict[int | None, tuple[int, str]] = {}
        unbatched = sum(n for b, n in found if b is None)
        if unbatched:
            out[None] = (unbatched, "")
    else:
        ids, out = sorted({int(i) for i in batch_ids}), {}
    for batch_id in ids:
        count, digest = batch_hash(con, table, columns, batch_id, version)
        if count:
            out[batch_id] = (count, digest)
    return out


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


# ---------------------------------------------------------------- version 1 (the first build's seals)


def _v1_row_text_sql(columns: Sequence[tuple[str, str]]) -> str:
    """DuckDB SQL for a row's version-1 text: its fields (byte-length-prefixed, NULL as '-') in column order."""
    fields = []
    for name, logical_type in columns:
        text = text_sql(name, logical_type)
        fields.append(f"COALESCE(CAST(strlen({text}) AS VARCHAR) || ':' || {text}, '{V1_NULL_FIELD}')")
    return "concat(" + ", ".join(fields) + ")" if fields else "''"


def batch_hash_v1(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
                  batch_id: int) -> tuple[int, str]:
    """(row count, version-1 rows hash) of the rows of batch `batch_id` stored in `table`, computed in DuckDB."""
    found = con.execute(
        f"SELECT count(*), sha256(coalesce(string_agg(d, '' ORDER BY d), '')) FROM (SELECT "
        f"sha256({_v1_row_text_sql(columns)}) AS d FROM {quote_ident(table)} "
        f"WHERE {quote_ident(BATCH_COLUMN)} = ?)", [int(batch_id)]).fetchone()
    return (int(found[0]), found[1]) if found else (0, "")


def rows_hash_v1(rows: Iterable[Sequence[str | None]]) -> tuple[int, str]:
    """(row count, version-1 rows hash) of rows given as the canonical texts of their values (None for NULL): the
    first build's definition in Python, the reference its DuckDB form is tested against."""
    digests = []
    for texts in rows:
        body = "".join(V1_NULL_FIELD if t is None else f"{len(t.encode('utf-8'))}:{t}" for t in texts)
        digests.append(hashlib.sha256(body.encode("utf-8")).hexdigest())
    return len(digests), hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()


# ---------------------------------------------------------------- canonical text (evidence CSV) and its reading


def text_sql(column: str, logical_type: str) -> str:
    """DuckDB SQL for the canonical text form of a stored column (NULL stays NULL), as the evidence CSV holds it:
    string → itself; integer → digits; decimal → fixed point with 6 decimals; double → printf("%.17g") (exact
    round trip); date → YYYY-MM-DD; timestamp → YYYY-MM-DD HH:MM:SS.ffffff; boolean → 1 or 0."""
    ref = quote_ident(column)
    if logical_type == "string":
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


def seal_text(*, dataset: str, batch: int, previous: str, columns: Sequence[tuple[str, str]], rows: int,
              rows_sha256: str, file_sha256: str, importer: str, sealed_at: dt.datetime,
              version: int = SEAL_VERSION) -> str:
    """The text whose SHA-256 is the seal (see the module docstring), headed by its version."""
    stamp = sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    lines = [SEAL_HEADERS[version], f"dataset={dataset}", f"batch={batch}", f"previous={previous}",
             "columns=" + ",".join(f"{n}:{t}" for n, t in columns), f"rows={rows}", f"rows_sha256={rows_sha256}",
             f"file_sha256={file_sha256}", f"importer={importer}", f"sealed_at={stamp}"]
    return "".join(line + "\n" for line in lines)


def seal_of(**fields) -> str:
    return hashlib.sha256(seal_text(**fields).encode("utf-8")).hexdigest()
