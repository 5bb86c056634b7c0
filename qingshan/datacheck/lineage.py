"""Which import batches a hit's evidence came from (issue 16): the batches a confirmed hit keeps the seals of.

The evidence of a hit is the rows of its subject: the primary data set's rows whose subject columns give the hit's
subject key (and that pass the model's filter), and the rows of a joined second data set (a reference, the other
side of a comparison, a corridor) that meet those rows on the join keys. Their ``qs_batch`` marks name the batches.
The stored rows are read in DuckDB, where the seals are, whatever engine ran the model.

A data set the model reads without a row-to-row join (places for a dwell, the tables of a custom SQL) or a model
whose subject is not made of the primary data set's columns cannot be narrowed this way: every batch of such a data
set is kept (``None`` below), as the model read all of it.
"""
from collections.abc import Mapping

from sqlglot import exp

from qingshan.datasets.selectors import duckdb_connect

from .engine import CompiledModel, SpecError
from .engine.compiler.base import qcol, qtable, subject_key_expr
from .engine.engines import inline_parameters
from .engine.expressions import Params, Source, compile_expression

BATCH_COLUMN = "qs_batch"


def _table_has_batches(con, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                        [table, BATCH_COLUMN]).fetchone()
    return bool(found and found[0])


def _subject_rows(compiled: CompiledModel, catalog: Mapping, key: str) -> exp.Expression | None:
    """The condition (alias ``src``) picking the primary data set's rows of subject `key`, or None when the subject
    is not made of the primary data set's columns."""
    spec = compiled.spec
    info = catalog.get(spec.dataset or "")
    if info is None or not spec.subject_columns or any(c not in info.columns for c in spec.subject_columns):
        return None
    src = Source("src", info)
    condition: exp.Expression = exp.EQ(this=subject_key_expr([qcol(c, "src") for c in spec.subject_columns]),
                                       expression=exp.Literal.string(key))
    if spec.filter:
        params = Params(spec_params=dict(spec.params))
        try:
            row_filter = compile_expression(spec.filter, default=src, sources={spec.dataset: src}, params=params,
                                            where="spec.filter")
        except SpecError:
            row_filter = None  # a filter over another data set: the subject's rows without it (a superset)
        if row_filter is not None:
            condition = exp.and_(condition, inline_parameters(row_filter, params.values))
    return condition


def evidence_batches(compiled: CompiledModel, catalog: Mapping, subject_key: str) -> dict[str, set[int] | None]:
    """{data set code: the batch ids its evidence rows of `subject_key` carry (None: every batch)} for the data
    sets the model reads."""
    found: dict[str, set[int] | None] = {code: None for code in compiled.datasets_used}
    condition = _subject_rows(compiled, catalog, subject_key)
    primary = compiled.spec.dataset
    if condition is None or primary is None:
        return found
    joined = compiled.sample_join()
    queries: dict[str, exp.Select] = {
        primary: exp.select(qcol(BATCH_COLUMN, "src")).distinct().from_(qtable(primary, "src")).where(condition)}
    if joined is not None:
        other, join = joined
        meets = exp.and_(*[exp.EQ(this=qcol(o, "o"), expression=qcol(p, "src")) for p, o in join.items()])
        rows = exp.select(exp.Literal.number(1)).from_(qtable(primary, "src")).where(exp.and_(condition, meets))
        queries[other] = exp.select(qcol(BATCH_COLUMN, "o")).distinct().from_(qtable(other, "o")).where(
            exp.Exists(this=rows))
    with duckdb_connect(read_only=True) as con:
        for code, query in queries.items():
            table = catalog[code].table
            if not _table_has_batches(con, table):
                found[code] = set()
                continue
            found[code] = {int(b) for (b,) in con.execute(query.sql(dialect="duckdb", identify=True)).fetchall()
                           if b is not None}
    return found
