"""Engines that run compiled models (DuckDB, Spark, PostgreSQL) and the runner that keeps hits in the engine.

The full hit set of a run is written into one table per run inside the engine; only counts, subjects grouped in
the engine and a bounded sample of evidence rows per subject ever come back to Python.
"""

import contextlib
import datetime as dt
import hashlib
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from sqlglot import exp

from qingshan.datasets.catalog import COLUMN_TYPES, duckdb_path, table_name

from .compiler import CompiledModel

SESSION_TIME_ZONE = "Asia/Shanghai"
_RUN_ID = re.compile(r"^[A-Za-z0-9_]{1,50}$")


def _quote_path(path: Path) -> str:
    return exp.Literal.string(str(path)).sql(dialect="duckdb")


def inline_parameters(query: exp.Expression, params: dict[str, Any]) -> exp.Expression:
    """Replace placeholders by typed literals built by SQLGlot (for engines where binding is not possible)."""

    def literal(value: Any) -> exp.Expression:
        if value is None:
            return exp.Null()
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        if isinstance(value, int | Decimal):
            return exp.Literal.number(str(value))
        if isinstance(value, float):
            return exp.cast(exp.Literal.number(repr(value)), exp.DataType.build("DOUBLE"))
        if isinstance(value, dt.datetime):
            return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP"))
        if isinstance(value, dt.date):
            return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
        return exp.Literal.string(str(value))

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in params:
            return literal(params[node.name])
        return node

    return query.transform(replace)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


@dataclass(frozen=True)
class SubjectHit:
    """One subject of a run: how many offending rows it has and a bounded sample of them (JSON-safe values)."""

    subject_key: str
    subject_label: str
    hit_rows: int
    lng: float | None
    lat: float | None
    sample_rows: list[dict]


def subjects_table(name: str) -> str:
    """The table of a run's subjects (key, label, hit rows), grouped once in the engine beside its hit table."""
    return f"{name}_subjects"


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


# Stands for the hit table in the subjects query that an engine renders once (a name no run table can take).
_HITS = "qs hits"


def subjects_query(hits: exp.Table) -> exp.Select:
    """A run's subjects grouped from its hit table: key, label (the least, as the key's rows may differ) and hits."""
    return (
        exp.select(
            _col("subject_key"),
            exp.alias_(exp.Min(this=_col("subject_label")), "subject_label", quoted=True),
            exp.alias_(exp.Count(this=exp.Star()), "hit_rows", quoted=True),
        )
        .from_(hits)
        .group_by(_col("subject_key"))
    )


def _sorted_by_subject(query: exp.Query) -> exp.Query:
    return (
        exp.select(exp.Star())
        .from_(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("hits", quoted=True))), copy=False)
        .order_by(exp.Ordered(this=exp.column("subject_key", quoted=True)))
    )


class Engine:
    """What the runner needs from an engine; subclasses speak to DuckDB, Spark or PostgreSQL."""

    name = ""
    dialect = ""
    binds_parameters = True

    def prepare(self, datasets: Iterable[str]) -> None:
        """Make the data sets readable as ``ds_<code>`` in this engine."""

    def count_rows(self, code: str) -> int:
        """Rows in a data set."""
        return self.fetch(
            exp.select(exp.Count(this=exp.Star())).from_(exp.to_table(table_name(code), quoted=True)), {}
        )[1][0][0]

    def result_table(self, name: str) -> exp.Table:
        """How SQL refers to the result table of a run."""
        raise NotImplementedError

    def create_result(self, name: str, query: exp.Query, params: dict) -> int | None:
        """Write the rows of ``query`` into the result table ``name`` (replacing one of that name); see write_result."""
        return self.write_result(name, *self.render(self.result_query(query), params))

    def result_query(self, query: exp.Query) -> exp.Query:
        """The query as a result table is written from it (an engine may order it for later reads)."""
        return query

    def write_result(self, name: str, sql: str, bound: dict) -> int | None:
        """Write the rows of rendered ``sql`` into the result table ``name`` (replacing one of that name).

        Returns how many rows were written when the engine reports it with the statement (None if not).
        """
        raise NotImplementedError

    def write_run(self, name: str, sql: str, bound: dict) -> tuple[int | None, int | None]:
        """Write a run's hit table ``name`` from its rendered ``sql`` and its subjects table grouped from it.

        Returns the rows of each when the engine reports them (None if not). Engines that can write both in one
        transaction do (DuckDB, PostgreSQL): one commit, one flush to disk, per run.
        """
        hit_rows = self.write_result(name, sql, bound)
        return hit_rows, self.create_result(subjects_table(name), subjects_query(self.result_table(name)), {})

    def render_run(self, compiled: CompiledModel, *, sample_limit: int | None = None) -> tuple[str, dict]:
        """A run's query as this engine's SQL, rendered once per compiled model and sample size.

        A standards model's tree (GB 3838, HJ 633 expanded) takes a tenth of a second or more to copy and render;
        the service reuses one compiled model per spec version, so later runs of it skip both.
        """
        key = (type(self).__name__, self.dialect, self.binds_parameters, sample_limit)
        rendered = compiled.rendered.get(key)
        if rendered is None:
            query = self.result_query(compiled.query_for(sample_limit=sample_limit, dialect=self.dialect))
            rendered = compiled.rendered[key] = self.render(query, compiled.params)
        sql, bound = rendered
        return sql, dict(bound)

    def drop_result(self, name: str) -> None:
        """Remove a run's hit table and its subjects table if they exist."""
        raise NotImplementedError

    def fetch(self, query: exp.Query, params: dict) -> tuple[list[str], list[tuple]]:
        """Column names and rows of a (small) query."""
        raise NotImplementedError

    def render(self, query: exp.Expression, params: dict) -> tuple[str, dict]:
        """SQL text for this engine and the parameters to bind with it."""
        if not self.binds_parameters:
            return inline_parameters(query, params).sql(dialect=self.dialect, identify=True), {}
        used = {p.name for p in query.find_all(exp.Placeholder)}
        return query.sql(dialect=self.dialect, identify=True), {k: v for k, v in params.items() if k in used}

    def close(self) -> None:
        """Release connections."""

    def interrupt(self) -> None:
        """Stop the query in hand from another thread (the run's time limit); engines that cannot, ignore it."""


OPEN_RETRY_SECONDS = 30.0


def open_datasets(path: Path):
    """A connection to the data-set DuckDB file, read-only unless this process already has it open for writing.

    DuckDB allows one configuration of a file per process, so a process that is importing shares its instance
    (the compiler only ever emits SELECTs); another process's writer is waited for, briefly.
    """
    import duckdb

    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            # Our own instance: result tables have no row order, and keeping insertion order slows CTAS.
            con.execute("SET preserve_insertion_order = false")
            return con
        except duckdb.ConnectionException as error:
            if "different configuration" in str(error):
                return duckdb.connect(str(path), read_only=False)
            raise
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class DuckDBEngine(Engine):
    """Runs models in DuckDB: the data-set file opened read-only, results in a separate runs file attached to it."""

    name, dialect = "duckdb", "duckdb"

    def __init__(
        self, path: Path | str | None = None, runs_path: Path | str | None = None, *, threads: int | None = None,
        limited: bool = False, external_paths: Iterable[str] = (),
    ):
        self.path = Path(path) if path else duckdb_path()
        self.runs_path = Path(runs_path) if runs_path else self.path.with_name("runs.duckdb")
        self.con = open_datasets(self.path)
        # Results never go into the data-set file: a separate runs file, attached beside it.
        # The alias is per runs file: a process shares one DuckDB instance per data-set file among its connections.
        self.runs_alias = "runs_" + hashlib.sha1(str(self.runs_path.resolve()).encode()).hexdigest()[:10]
        self.con.execute(f"ATTACH IF NOT EXISTS {_quote_path(self.runs_path)} AS {self.runs_alias} (READ_WRITE)")
        self.con.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if limited:  # a model run (datacheck's services); the engine's own tools and tests keep the full instance
            self._limit(external_paths)
        self._lock = threading.Lock()
        self._subjects_sql: str | None = None

    def _limit(self, external_paths: Iterable[str]) -> None:
        """A model reads its data sets and nothing else: no files or URLs (a spec naming `read_csv('/etc/passwd')`
        is refused by DuckDB itself), except the registered external Parquet files; memory is capped. Once off,
        external access cannot be switched back on in this DuckDB instance (the instance ends with its last
        connection, so an import later in the same worker opens a fresh one)."""
        self.con.execute(f"SET memory_limit = {exp.Literal.string(settings.DUCKDB_MEMORY_LIMIT).sql('duckdb')}")
        if not self.con.execute("SELECT current_setting('enable_external_access')").fetchone()[0]:  # type: ignore[index]
            return  # already limited by another engine sharing this instance
        allowed = [str(self.runs_path), *(str(p) for p in external_paths if p)]
        listed = ", ".join(exp.Literal.string(p).sql("duckdb") for p in allowed)
        self.con.execute(f"SET allowed_paths = [{listed}]")
        self.con.execute("SET enable_external_access = false")

    def interrupt(self) -> None:
        self.con.interrupt()

    def result_table(self, name: str) -> exp.Table:
        return exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier("main", quoted=True),
            catalog=exp.to_identifier(self.runs_alias, quoted=True),
        )

    def result_query(self, query):
        # Stored in subject order: iter_subjects reads key ranges, which zone maps then skip to instead of scanning.
        return _sorted_by_subject(query)

    def write_result(self, name, sql, bound):
        target = self.result_table(name).sql(dialect="duckdb")
        with self._lock:
            return self.con.execute(f"CREATE OR REPLACE TABLE {target} AS {sql}", bound).fetchone()[0]  # type: ignore[index]

    def write_run(self, name, sql, bound):
        # One transaction: a commit into the runs file flushes it to disk (about 4 ms here, more than the whole
        # check on a small data set), so the hit and subjects tables are committed together, once.
        hits = self.result_table(name).sql(dialect="duckdb")
        subjects = self.result_table(subjects_table(name)).sql(dialect="duckdb")
        if self._subjects_sql is None:  # rendered once per engine: SQLGlot takes a millisecond to render it
            self._subjects_sql = self.render(subjects_query(exp.to_table(_HITS, quoted=True)), {})[0]
        grouped = self._subjects_sql.replace(f'"{_HITS}"', hits)
        with self._lock, self._transaction():
            hit_rows = self.con.execute(f"CREATE OR REPLACE TABLE {hits} AS {sql}", bound).fetchone()[0]  # type: ignore[index]
            subject_count = self.con.execute(f"CREATE OR REPLACE TABLE {subjects} AS {grouped}").fetchone()[0]  # type: ignore[index]
        return hit_rows, subject_count

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):  # an interrupted or failed statement: nothing of the run stays
                self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def drop_result(self, name):
        with self._lock, self._transaction():
            for table in (name, subjects_table(name)):
                self.con.execute(f"DROP TABLE IF EXISTS {self.result_table(table).sql(dialect='duckdb')}")

    def fetch(self, query, params):
        sql, bound = self.render(query, params)
        with self._lock:
            cursor = self.con.execute(sql, bound)
            return [d[0] for d in cursor.description], cursor.fetchall()

    def close(self):
        self.con.close()


def _dataset_version(path: Path, code: str) -> str:
    # Any write to the DuckDB file changes its size or mtime; a changed file re-exports (once) what models read.
    stat = path.stat()
    return hashlib.sha1(f"{code}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:16]


def _export_parquet(duckdb_file: Path, code: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    con = open_datasets(duckdb_file)
    try:
        con.execute(
            f"COPY (SELECT * FROM {exp.to_identifier(table_name(code), quoted=True).sql('duckdb')}) "
            f"TO {_quote_path(tmp)} (FORMAT PARQUET)"
        )
    finally:
        con.close()
    tmp.replace(target)


def spark_session(master: str | None = None):
    """A local Spark session with the zone pinned, ANSI mode on and zone-less timestamps read as TIMESTAMP_NTZ."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(master or settings.SPARK_MASTER)
        .appName("qingshan-datacheck")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", SESSION_TIME_ZONE)
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        .getOrCreate()
    )
    configure_spark(spark)
    return spark


def configure_spark(spark) -> None:
    """Pin what must be pinned on any session the engine uses."""
    # Session zone: DuckDB and PostgreSQL sessions run in Asia/Shanghai too, so dates cut at local midnight.
    spark.conf.set("spark.sql.session.timeZone", SESSION_TIME_ZONE)
    # ANSI on (Spark 4's default): overflow and bad casts fail the run loudly, like PostgreSQL, instead of NULLs.
    spark.conf.set("spark.sql.ansi.enabled", "true")
    # DuckDB writes zone-less timestamps; read them as TIMESTAMP_NTZ so no zone shift is applied on read.
    spark.conf.set("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
    spark.sparkContext.setLogLevel("ERROR")


class SparkEngine(Engine):
    """Runs models on Spark: data sets exported from DuckDB to Parquet once per version, registered as views."""

    name, dialect = "spark", "spark"

    def __init__(self, spark=None, *, path: Path | str | None = None, work_dir: Path | str | None = None):
        self.spark = spark or spark_session()
        configure_spark(self.spark)
        self.path = Path(path) if path else duckdb_path()
        self.work_dir = Path(work_dir) if work_dir else self.path.parent / "spark"
        self._registered: dict[str, str] = {}

    def prepare(self, datasets):
        for code in datasets:
            version = _dataset_version(self.path, code)
            if self._registered.get(code) == version:
                continue
            target = self.work_dir / "datasets" / table_name(code) / f"{version}.parquet"
            if not target.exists():
                _export_parquet(self.path, code, target)
                for old in target.parent.glob("*.parquet"):
                    if old != target:
                        old.unlink(missing_ok=True)
            self.spark.read.parquet(str(target)).createOrReplaceTempView(table_name(code))
            self._registered[code] = version

    def count_rows(self, code):
        # The Parquet export holds exactly the DuckDB table's rows; counting there avoids a Spark job per data set.
        con = open_datasets(self.path)
        try:
            table = exp.to_identifier(table_name(code), quoted=True).sql("duckdb")
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            con.close()

    def _result_dir(self, name: str) -> Path:
        return self.work_dir / "runs" / name

    def result_table(self, name):
        if not self.spark.catalog.tableExists(name) and self._result_dir(name).exists():
            self.spark.read.parquet(str(self._result_dir(name))).createOrReplaceTempView(name)
        return exp.Table(this=exp.to_identifier(name, quoted=True))

    def write_result(self, name, sql, bound):
        self.spark.sql(sql, args=bound).write.mode("overwrite").parquet(str(self._result_dir(name)))
        self.spark.read.parquet(str(self._result_dir(name))).createOrReplaceTempView(name)
        return None

    def drop_result(self, name):
        for table in (name, subjects_table(name)):
            self.spark.catalog.dropTempView(table)
            shutil.rmtree(self._result_dir(table), ignore_errors=True)

    def fetch(self, query, params):
        sql, bound = self.render(query, params)
        df = self.spark.sql(sql, args=bound)
        return list(df.columns), [tuple(row) for row in df.collect()]


_PG_TYPES = {
    "string": "text",
    "integer": "bigint",
    "decimal": "numeric(18,6)",
    "double": "double precision",
    "date": "date",
    "timestamp": "timestamp without time zone",
    "boolean": "boolean",
}
assert set(_PG_TYPES) == set(COLUMN_TYPES)


def _postgres_conninfo() -> str:
    if settings.DATACHECK_POSTGRES_URL:
        return settings.DATACHECK_POSTGRES_URL
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise RuntimeError("PostgreSQL engine needs DATACHECK_POSTGRES_URL or a PostgreSQL default database")
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


class PostgresEngine(Engine):
    """Runs models in PostgreSQL: data sets copied from DuckDB (COPY) into a schema, results into another."""

    name, dialect = "postgresql", "postgres"
    # psycopg's server-side binding cannot reach into CREATE TABLE AS, and client-side '%' formatting clashes
    # with the modulo operator; SQLGlot builds typed literals instead (values never pass through string pasting).
    binds_parameters = False

    def __init__(
        self, conninfo: str | None = None, *, path: Path | str | None = None, schema: str = "datacheck", catalog=None
    ):
        import psycopg

        self.path = Path(path) if path else duckdb_path()
        self.catalog = catalog
        self.data_schema, self.runs_schema = f"{schema}_data", f"{schema}_runs"
        self.conn = psycopg.connect(conninfo or _postgres_conninfo(), autocommit=True)
        self.conn.execute(f"SET TIME ZONE '{SESSION_TIME_ZONE}'")
        for name in (self.data_schema, self.runs_schema):
            self.conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
        self.conn.execute(f'SET search_path TO "{self.data_schema}"')
        self.conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{self.data_schema}"."_versions" '
            "(code text PRIMARY KEY, version text NOT NULL)"
        )

    def _columns(self, code: str) -> list[tuple[str, str]]:
        if self.catalog is not None and code in self.catalog:
            return list(self.catalog[code].columns.items())
        con = open_datasets(self.path)
        try:
            rows = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table_name(code)],
            ).fetchall()
        finally:
            con.close()
        reverse = {v: k for k, v in COLUMN_TYPES.items()}
        return [(name, reverse.get(kind, "string")) for name, kind in rows]

    def prepare(self, datasets):
        for code in datasets:
            version = _dataset_version(self.path, code)
            row = self.conn.execute(
                f'SELECT version FROM "{self.data_schema}"."_versions" WHERE code = %s', [code]
            ).fetchone()
            if row and row[0] == version:
                continue
            columns = self._columns(code)
            table = f'"{self.data_schema}".' + exp.to_identifier(table_name(code), quoted=True).sql("postgres")
            cols = ", ".join(exp.to_identifier(n, quoted=True).sql("postgres") + " " + _PG_TYPES[t] for n, t in columns)
            source = open_datasets(self.path)
            try:
                with self.conn.transaction():
                    self.conn.execute(f"DROP TABLE IF EXISTS {table}")
                    self.conn.execute(f"CREATE TABLE {table} ({cols})")
                    names = ", ".join(exp.to_identifier(n, quoted=True).sql("duckdb") for n, _ in columns)
                    cursor = source.execute(
                        f"SELECT {names} FROM {exp.to_identifier(table_name(code), quoted=True).sql('duckdb')}"
                    )
                    with self.conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                        while batch := cursor.fetchmany(10_000):
                            for record in batch:
                                copy.write_row(record)
                    self.conn.execute(f"ANALYZE {table}")
                    self.conn.execute(
                        f'INSERT INTO "{self.data_schema}"."_versions" (code, version) VALUES (%s, %s) '
                        "ON CONFLICT (code) DO UPDATE SET version = EXCLUDED.version",
                        [code, version],
                    )
            finally:
                source.close()

    def result_table(self, name):
        return exp.Table(this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(self.runs_schema, quoted=True))

    def write_result(self, name, sql, bound):
        target = self.result_table(name).sql(dialect="postgres")
        with self.conn.transaction():
            self.conn.execute(f"DROP TABLE IF EXISTS {target}")
            return self.conn.execute(f"CREATE TABLE {target} AS {sql}").rowcount

    def write_run(self, name, sql, bound):
        with self.conn.transaction():  # one commit per run (the inner transactions become savepoints)
            return super().write_run(name, sql, bound)

    def drop_result(self, name):
        with self.conn.transaction():
            for table in (name, subjects_table(name)):
                self.conn.execute(f"DROP TABLE IF EXISTS {self.result_table(table).sql(dialect='postgres')}")

    def fetch(self, query, params):
        sql, _ = self.render(query, params)
        cursor = self.conn.execute(sql)
        return [d.name for d in cursor.description], cursor.fetchall()

    def close(self):
        self.conn.close()


def get_engine(name: str | None = None, **kwargs) -> Engine:
    """The engine named in ``settings.DATACHECK_ENGINE`` (duckdb, spark or postgresql) unless one is given."""
    name = (name or settings.DATACHECK_ENGINE).lower()
    engines = {"duckdb": DuckDBEngine, "spark": SparkEngine, "postgresql": PostgresEngine, "postgres": PostgresEngine}
    if name not in engines:
        raise ValueError(f"unknown data-check engine {name!r}")
    return engines[name](**kwargs)


# --- runner -----------------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    """What a run found: counts, timing, the engine table holding every hit, and subjects read from it."""

    engine: Engine = field(repr=False)
    compiled: CompiledModel = field(repr=False)
    result_table: str | None
    rows_scanned: int
    hit_rows: int
    subject_count: int
    seconds: float
    dry_run: bool = False
    sample_rows_per_subject: int = 5
    preview: list[SubjectHit] = field(default_factory=list, repr=False)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: prepare, query, count, preview

    def iter_subjects(self, batch: int = 1000) -> Iterator[SubjectHit]:
        """Every subject with its hit count and sample rows, grouped in the engine, ``batch`` subjects at a time."""
        if self.result_table is None:  # a dry run keeps nothing: its preview is all there is
            yield from self.preview
            return
        yield from _iter_subjects(self.engine, self.compiled, self.result_table, batch, self.sample_rows_per_subject)


def _iter_subjects(
    engine: Engine, compiled: CompiledModel, table: str, batch: int, per_subject: int, limit: int | None = None
) -> Iterator[SubjectHit]:
    source = engine.result_table(table)
    grouped = engine.result_table(subjects_table(table))
    located = "lng" in compiled.columns
    after: str | None = None
    produced = 0
    while True:
        size = batch if limit is None else min(batch, limit - produced)
        if size <= 0:
            return
        page = exp.select(_col("subject_key"), _col("subject_label"), _col("hit_rows")).from_(grouped.copy())
        params: dict[str, Any] = {}
        if after is not None:
            page = page.where(exp.GT(this=_col("subject_key"), expression=exp.Placeholder(this="after")))
            params["after"] = after
        page = page.order_by(exp.Ordered(this=_col("subject_key"))).limit(size)
        _, groups = engine.fetch(page, params)
        if not groups:
            return
        first, last = groups[0][0], groups[-1][0]
        order = [exp.Ordered(this=_col(c), nulls_first=False) for c in compiled.columns[2:]] or [
            exp.Ordered(this=_col("subject_key"))
        ]
        numbered = (
            exp.select(
                exp.Star(),
                exp.alias_(
                    exp.Window(
                        this=exp.RowNumber(), partition_by=[_col("subject_key")], order=exp.Order(expressions=order)
                    ),
                    "sample_no",
                    quoted=True,
                ),
            )
            .from_(source.copy())
            .where(
                exp.and_(
                    exp.GTE(this=_col("subject_key"), expression=exp.Placeholder(this="first")),
                    exp.LTE(this=_col("subject_key"), expression=exp.Placeholder(this="last")),
                )
            )
        )
        samples_query = (
            exp.select(*[_col(c) for c in compiled.columns])
            .from_(exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier("n", quoted=True))))
            .where(exp.LTE(this=_col("sample_no"), expression=exp.Placeholder(this="per_subject")))
            .order_by(exp.Ordered(this=_col("subject_key")), exp.Ordered(this=_col("sample_no")))
        )
        names, rows = engine.fetch(samples_query, {"first": first, "last": last, "per_subject": per_subject})
        samples: dict[str, list[dict]] = {}
        for row in rows:
            record = dict(zip(names, row, strict=True))
            samples.setdefault(record["subject_key"], []).append(
                {k: _json_safe(v) for k, v in record.items() if k not in ("subject_key", "subject_label")}
            )
        for key, label, count in groups:
            sample = samples.get(key, [])
            lng = lat = None
            if located and sample:
                lng, lat = sample[0].get("lng"), sample[0].get("lat")
            yield SubjectHit(
                key,
                label if label is not None else key,
                int(count),
                float(lng) if lng is not None else None,
                float(lat) if lat is not None else None,
                sample,
            )
        produced += len(groups)
        after = last
        if len(groups) < size:
            return


def execute(
    compiled: CompiledModel,
    engine: Engine,
    *,
    run_id: int | str,
    sample_subjects: int = 200,
    sample_rows_per_subject: int = 5,
    dry_run: bool = False,
    dry_run_limit: int = 1000,
) -> RunOutcome:
    """Run a compiled model: hits go to the engine table ``run_<run_id>``; counts and samples come back.

    A dry run reads only the first ``dry_run_limit`` rows of the primary data set, returns ``sample_subjects``
    subjects in ``preview`` and stores nothing (its scratch table is dropped before returning).
    """
    if not _RUN_ID.match(str(run_id)):
        raise ValueError(f"run id {run_id!r} is not a plain identifier")
    started = time.perf_counter()
    engine.prepare(compiled.datasets_used)
    table = f"dry_{uuid.uuid4().hex[:12]}" if dry_run else f"run_{run_id}"
    timings = {"prepare": time.perf_counter() - started}
    try:
        # The hits and, grouped once, their subjects: paging through subjects then reads a small sorted table
        # instead of re-grouping every hit.
        hit_rows, subject_count = engine.write_run(
            table, *engine.render_run(compiled, sample_limit=dry_run_limit if dry_run else None)
        )
        timings["query"] = time.perf_counter() - started - sum(timings.values())
        if hit_rows is None or subject_count is None:  # the engine does not report rows written (Spark): count
            _, ((hit_rows, subject_count),) = engine.fetch(
                exp.select(
                    exp.func("COALESCE", exp.Sum(this=_col("hit_rows")), exp.Literal.number(0)),
                    exp.Count(this=exp.Star()),
                ).from_(engine.result_table(subjects_table(table))),
                {},
            )
        timings["count"] = time.perf_counter() - started - sum(timings.values())
        preview = []
        if dry_run or sample_subjects:
            preview = list(
                _iter_subjects(
                    engine,
                    compiled,
                    table,
                    min(max(sample_subjects, 1), 1000),
                    sample_rows_per_subject,
                    limit=sample_subjects,
                )
            )
        seconds = time.perf_counter() - started
        timings["preview"] = seconds - sum(timings.values())
        scanned = 0
        for code in compiled.datasets_used:
            rows = engine.count_rows(code)
            scanned += min(rows, dry_run_limit) if dry_run and code == compiled.primary_dataset else rows
    finally:
        if dry_run:
            engine.drop_result(table)
    return RunOutcome(
        engine=engine,
        compiled=compiled,
        result_table=None if dry_run else table,
        rows_scanned=scanned,
        hit_rows=int(hit_rows),
        subject_count=int(subject_count),
        seconds=seconds,
        timings=timings,
        dry_run=dry_run,
        sample_rows_per_subject=sample_rows_per_subject,
        preview=preview,
    )
