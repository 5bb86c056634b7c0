"""What every kind's builder shares: the compiled model, SQL node helpers and the base builder (sources, columns,
expressions, parameters and the common output projection)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from qingshan.datasets.catalog import DatasetInfo, table_name

from ..expressions import Params, Source, compile_expression
from ..spec import ModelSpec, SpecError

DIALECTS = {"duckdb": "duckdb", "spark": "spark", "postgres": "postgres", "postgresql": "postgres"}
SUBJECT_SEPARATOR = "|"
RESERVED = ("subject_key", "subject_label", "lng", "lat")
# Alias of a reading of the primary data set that a dry run does not sample: a grouped side table whose groups
# must cover every sampled row (two independently sampled readings need not hold the same rows).
WHOLE_PRIMARY = "whole"


@dataclass
class CompiledModel:
    """A spec compiled to SQL: ``query`` returns the offending rows with ``columns`` in this order."""

    spec: ModelSpec
    query: exp.Query
    params: dict[str, Any]
    datasets_used: tuple[str, ...]
    columns: tuple[str, ...]
    evidence_columns: tuple[str, ...] = field(default=())
    # Rendered SQL of the run query per engine and sample size (``Engine.render_run``): rendering is the slow part.
    rendered: dict[tuple, tuple[str, dict]] = field(default_factory=dict, repr=False, compare=False)
    # The same query in one engine's own terms, where it has a cheaper exact form ({dialect: query}, same columns).
    native: dict[str, exp.Query] = field(default_factory=dict, repr=False, compare=False)

    @property
    def primary_dataset(self) -> str | None:
        """The data set whose rows the model judges (sampled in a dry run)."""
        return self.spec.dataset or (self.datasets_used[0] if self.datasets_used else None)

    def sample_join(self) -> tuple[str, dict[str, str]] | None:
        """The data set a row of the primary must meet to be judged at all, and the join map (primary → other).

        Threshold with a reference, mismatch, ``missing_in_other`` with ``match: present`` and route deviation only
        judge rows that join the other data set: a row without a partner can never be a hit. Other kinds (and an
        absent-match, whose hits are the rows without a partner) have none.
        """
        body, kind = self.spec.body, self.spec.kind
        if kind == "threshold" and isinstance(body.get("reference"), Mapping):
            other, join = body["reference"].get("dataset"), body["reference"].get("join")
        elif kind == "mismatch" or (kind == "missing_in_other" and body.get("match") == "present"):
            other, join = body.get("other"), body.get("join")
        elif kind == "route_deviation" and isinstance(body.get("corridor"), Mapping):
            other, join = body["corridor"].get("dataset"), body["corridor"].get("join")
        else:
            return None
        if not other or not join or other == self.primary_dataset or other not in self.datasets_used:
            return None
        return other, dict(join)

    def query_for(self, *, sample_limit: int | None = None, dialect: str | None = None) -> exp.Query:
        """The query (for `dialect`, its native form if it has one), optionally reading only a sample of
        ``sample_limit`` rows of the primary data set.

        The sample is taken by the join key: when the model judges only rows that meet a second data set (see
        ``sample_join``), it is the first rows whose key occurs there (a semi-join), so a dry run of a two-set draft
        judges rows that can hit instead of rows that never meet the other set; the other set is read in full.
        Otherwise it is the first ``sample_limit`` rows. A reading aliased ``WHOLE_PRIMARY`` stays whole.
        """
        query = self.native.get(DIALECTS.get(dialect or "", ""), self.query).copy()
        if sample_limit is None or self.primary_dataset is None:
            return query
        target = table_name(self.primary_dataset)
        limit = int(sample_limit)
        joined = self.sample_join()

        def rows() -> exp.Select:
            if joined is None:
                return exp.select(exp.Star()).from_(exp.to_table(target, quoted=True)).limit(limit)
            other, join = joined
            row = exp.Table(this=ident(target), alias=exp.TableAlias(this=ident("sample_row")))
            partner = exp.Table(this=ident(table_name(other)), alias=exp.TableAlias(this=ident("sample_key")))
            meets = exp.and_(*[exp.EQ(this=qcol(ocol, "sample_key"), expression=qcol(pcol, "sample_row"))
                               for pcol, ocol in join.items()])
            partners = exp.select(exp.Literal.number(1)).from_(partner).where(meets)
            return (exp.select(exp.Column(this=exp.Star(), table=ident("sample_row"))).from_(row)
                    .where(exp.Exists(this=partners)).limit(limit))

        def sample(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Table) and node.name == target and node.alias != WHOLE_PRIMARY:
                return exp.Subquery(
                    this=rows(),
                    alias=node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(target, quoted=True)),
                )
            return node

        return query.transform(sample)

    def sql(self, dialect: str = "duckdb", *, sample_limit: int | None = None, pretty: bool = False) -> str:
        """The query in the SQL of one engine (placeholders in that engine's style)."""
        return self.query_for(sample_limit=sample_limit, dialect=dialect).sql(dialect=DIALECTS[dialect], identify=True,
                                                                               pretty=pretty)


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def qcol(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def qtable(code: str, alias: str) -> exp.Table:
    return exp.Table(this=ident(table_name(code)), alias=exp.TableAlias(this=ident(alias)))


def as_varchar(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("VARCHAR"))


def as_double(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("DOUBLE"))


def all_of(*conditions: exp.Expression | None) -> exp.Expression | None:
    present = [c for c in conditions if c is not None]
    return exp.and_(*present) if present else None


def subject_key_expr(columns: list[exp.Expression]) -> exp.Expression:
    """Subject columns as one VARCHAR key: values joined by ``|``, NULL as empty (same text on every engine)."""
    parts = [exp.func("COALESCE", as_varchar(c), exp.Literal.string("")) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = exp.DPipe(this=exp.DPipe(this=key, expression=exp.Literal.string(SUBJECT_SEPARATOR)), expression=part)
    return key


class ModelBuilder:
    """Builds one spec of one kind; a subclass per kind implements ``build`` and ends with ``finish``."""

    def __init__(self, spec: ModelSpec, catalog: Mapping[str, DatasetInfo]):
        self.spec = spec
        self.catalog = catalog
        self.params = Params(spec_params=dict(spec.params))
        self.used: list[str] = []
        self.sources: dict[str, Source] = {}
        self.evidence_extra: list[tuple[str, exp.Expression]] = []
        # Second-data-set evidence columns read from a grouped join ``oev`` (column name → its output there).
        self.evidence_by_name: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------------------------------
    def dataset(self, code: str, where: str) -> DatasetInfo:
        info = self.catalog.get(code)
        if info is None:
            raise SpecError(f"{where}：未知的数据集“{code}”")
        if code not in self.used:
            self.used.append(code)
        return info

    def source(self, code: str, alias: str, where: str) -> Source:
        if code in self.sources:
            raise SpecError(f"{where}：参照数据集不能与主数据集相同")
        src = Source(alias, self.dataset(code, where))
        self.sources[code] = src
        return src

    def column(self, source: Source, name: str, where: str) -> exp.Column:
        if name not in source.info.columns:
            raise SpecError(f"{where}：数据集“{source.info.code}”没有列“{name}”")
        return qcol(name, source.alias)

    def expr(self, text: str, default: Source, where: str, bare_names=None) -> exp.Expression:
        return compile_expression(
            text, default=default, sources=self.sources, params=self.params, where=where, bare_names=bare_names
        )

    def value(self, value: Any) -> exp.Expression:
        if isinstance(value, float):
            value = Decimal(str(value))
        return self.params.bind(value)

    def join_on(self, left: Source, right: Source, on: Mapping[str, str], where: str) -> exp.Expression:
        return exp.and_(
            *[
                exp.EQ(this=self.column(left, lcol, where), expression=self.column(right, rcol, where))
                for lcol, rcol in on.items()
            ]
        )

    def main(self) -> Source:
        return self.source(self.spec.dataset, "src", "spec.dataset")

    def main_filter(self, src: Source) -> exp.Expression | None:
        return self.expr(self.spec.filter, src, "spec.filter") if self.spec.filter else None

    # -- output --------------------------------------------------------------------------------------------
    def finish(
        self,
        relation: exp.Select,
        src: Source,
        computed: list[tuple[str, exp.Expression]],
        output_names: set[str] | None = None,
    ) -> CompiledModel:
        """Project subject, label, location, evidence and the kind's computed columns from ``relation``."""
        spec = self.spec

        def pick(name: str, where: str) -> exp.Expression:
            if output_names is not None:
                if name not in output_names:
                    raise SpecError(f"{where}：结果中没有列“{name}”")
                return qcol(name, src.alias)
            return self.column(src, name, where)

        subject = [pick(c, "spec.subject.columns") for c in spec.subject_columns]
        label = pick(spec.subject_label, "spec.subject.label") if spec.subject_label else None
        selects: list[exp.Expression] = [
            exp.alias_(subject_key_expr(subject), "subject_key", quoted=True),
            exp.alias_(
                # Without a label column the label is the key: store NULL rather than the same text twice.
                as_varchar(label if label is not None else exp.Null()),
                "subject_label",
                quoted=True,
            ),
        ]
        names = ["subject_key", "subject_label"]
        if spec.location and spec.kind != "dwell":
            lng, lat = spec.location
            selects += [
                exp.alias_(as_double(pick(lng, "spec.location.lng")), "lng", quoted=True),
                exp.alias_(as_double(pick(lat, "spec.location.lat")), "lat", quoted=True),
            ]
            names += ["lng", "lat"]
        evidence = []
        for ref in spec.evidence:
            where = "spec.evidence"
            if "." in ref:
                code, name = ref.split(".", 1)
                other = self.sources.get(code)
                if other is None or code == spec.dataset:
                    raise SpecError(f"{where}：“{ref}”不是本模型读取的数据集的列")
                # Each kind says which row of its second data set stands beside the offending one.
                value, out = self.other_evidence(other, name, where), f"{code}_{name}"
            else:
                value, out = pick(ref, where), ref
            evidence.append((out, value))
        for out, value in evidence + computed:
            if out in names:
                raise SpecError(f"spec.evidence：列名“{out}”重复或为保留名")
            selects.append(exp.alias_(value, out, quoted=True))
            names.append(out)
        query = relation.select(*selects, append=False, copy=False)
        return CompiledModel(
            spec=spec,
            query=query,
            params=self.params.values,
            datasets_used=tuple(self.used),
            columns=tuple(names),
            evidence_columns=tuple(names[2:]),
        )

    def other_evidence(self, other: Source, name: str, where: str) -> exp.Expression:
        """The value of `other`'s column `name` shown beside an offending row (evidence ``code.col``): the joined
        row's for kinds that join it (threshold, mismatch); a kind whose second data set is only tested (EXISTS)
        overrides this with a correlated subquery over its matching rows."""
        return self.column(other, name, where)

    def matching_value(self, other: Source, name: str, where: str, condition: exp.Expression) -> exp.Expression:
        """The greatest value of `other`'s column among its rows meeting `condition` (NULL when none): its column
        in the grouped join ``oev`` when the kind built one (``evidence_by_key``), else a scalar subquery, the
        portable way to show a row of a data set that was tested rather than joined (one row per key in a
        register; when several match, each column shows its greatest, as the key's latest date)."""
        if name in self.evidence_by_name:
            return qcol(self.evidence_by_name[name], "oev")
        inner = exp.select(exp.Max(this=self.column(other, name, where))).from_(
            qtable(other.info.code, other.alias)).where(condition)
        return exp.Subquery(this=inner)

    def other_evidence_names(self, other: Source) -> list[str]:
        """The other data set's columns shown as evidence (``death_registry.died_on`` → ``died_on``), once each."""
        prefix = other.info.code + "."
        return list(dict.fromkeys(ref[len(prefix):] for ref in self.spec.evidence if ref.startswith(prefix)))

    def evidence_by_key(
        self, relation: exp.Select, src: Source, other: Source, join: Mapping[str, str], where: str
    ) -> exp.Select:
        """Evidence whose condition is the join alone (``matching_value`` over the key's rows) as one ``LEFT JOIN``
        to the other data set's MAX of each evidence column per join key, instead of a correlated subquery per
        column; ``relation`` (a select from ``src``) unchanged without such columns or when the keys' types differ.

        The grouped table gives the subqueries' values (NULL for a row without a partner or with a NULL key) and,
        with one row per key, repeats no row. DuckDB runs each scalar subquery as its own grouped join over the
        other data set (two on the licence models, ~2× the hand query at scale 1); this reads it once.
        """
        names = self.other_evidence_names(other)
        # Keys of different types meet through an implicit cast that need not be one-to-one (the other data set's
        # '1' and '01' both equal 1): grouped by the other's own values, one row would join several groups.
        if not names or any(src.info.columns.get(scol) != other.info.columns.get(ocol) for scol, ocol in join.items()):
            return relation
        other_keys = [self.column(other, ocol, where) for ocol in join.values()]
        values = {name: f"v{i}" for i, name in enumerate(names)}
        grouped = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(other_keys)],
                *[
                    exp.alias_(exp.Max(this=self.column(other, name, "spec.evidence")), out, quoted=True)
                    for name, out in values.items()
                ],
            )
            .from_(qtable(other.info.code, other.alias))
            .group_by(*[k.copy() for k in other_keys])
        )
        on = exp.and_(
            *[
                exp.EQ(this=self.column(src, scol, where), expression=qcol(f"k{i}", "oev"))
                for i, scol in enumerate(join)
            ]
        )
        self.evidence_by_name = values
        return relation.join(
            exp.Subquery(this=grouped, alias=exp.TableAlias(this=ident("oev"))), on=on, join_type="left", copy=False
        )

    def build(self) -> CompiledModel:
        """The compiled model of this builder's kind."""
        raise NotImplementedError
