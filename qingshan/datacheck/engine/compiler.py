"""Compile a validated spec into one portable SELECT (a SQLGlot AST) returning the offending rows.

Every kind emits the same portable subset on purpose: ``NOT EXISTS`` for anti-joins (``NOT IN`` finds nothing
once the other list holds a NULL), durations as epoch-second differences (dialects' minute DATEDIFFs count
boundaries differently), window functions in subqueries (no ``QUALIFY``), listed GROUP BY columns (no
``GROUP BY ALL``), no ``ASOF JOIN``, geometry as plain arithmetic (no spatial extension), all identifiers quoted.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from qingshan.datasets.catalog import DatasetInfo, table_name

from .expressions import Params, Source, compile_custom_sql, compile_expression
from .functions import EARTH_RADIUS_M, distance_m, seconds_between
from .spec import ModelSpec, SpecError, parse_spec

DIALECTS = {"duckdb": "duckdb", "spark": "spark", "postgres": "postgres", "postgresql": "postgres"}
SUBJECT_SEPARATOR = "|"
RESERVED = ("subject_key", "subject_label", "lng", "lat")
# ``other_col OP row_value`` has a match exactly when MIN (for < <=) or MAX (for > >=) of other_col does.
_FLIPPED = {exp.LT: exp.GT, exp.LTE: exp.GTE, exp.GT: exp.LT, exp.GTE: exp.LTE}
_ORDERED_TYPES = ("integer", "decimal", "double", "date", "timestamp")
METRES_PER_DEGREE = Decimal(str(EARTH_RADIUS_M)) * Decimal("3.14159265358979323846") / 180


@dataclass
class CompiledModel:
    """A spec compiled to SQL: ``query`` returns the offending rows with ``columns`` in this order."""

    spec: ModelSpec
    query: exp.Query
    params: dict[str, Any]
    datasets_used: tuple[str, ...]
    columns: tuple[str, ...]
    evidence_columns: tuple[str, ...] = field(default=())

    @property
    def primary_dataset(self) -> str | None:
        """The data set whose rows the model judges (sampled in a dry run)."""
        return self.spec.dataset or (self.datasets_used[0] if self.datasets_used else None)

    def query_for(self, *, sample_limit: int | None = None) -> exp.Query:
        """The query, optionally reading only the first ``sample_limit`` rows of the primary data set."""
        query = self.query.copy()
        if sample_limit is None or self.primary_dataset is None:
            return query
        target = table_name(self.primary_dataset)
        limit = int(sample_limit)

        def sample(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Table) and node.name == target:
                inner = exp.select(exp.Star()).from_(exp.to_table(target, quoted=True)).limit(limit)
                return exp.Subquery(
                    this=inner,
                    alias=node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(target, quoted=True)),
                )
            return node

        return query.transform(sample)

    def sql(self, dialect: str = "duckdb", *, sample_limit: int | None = None, pretty: bool = False) -> str:
        """The query in the SQL of one engine (placeholders in that engine's style)."""
        return self.query_for(sample_limit=sample_limit).sql(dialect=DIALECTS[dialect], identify=True, pretty=pretty)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _table(code: str, alias: str) -> exp.Table:
    return exp.Table(this=_ident(table_name(code)), alias=exp.TableAlias(this=_ident(alias)))


def _varchar(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("VARCHAR"))


def _double(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("DOUBLE"))


def _and(*conditions: exp.Expression | None) -> exp.Expression | None:
    present = [c for c in conditions if c is not None]
    return exp.and_(*present) if present else None


def subject_key_expr(columns: list[exp.Expression]) -> exp.Expression:
    """Subject columns as one VARCHAR key: values joined by ``|``, NULL as empty (same text on every engine)."""
    parts = [exp.func("COALESCE", _varchar(c), exp.Literal.string("")) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = exp.DPipe(this=exp.DPipe(this=key, expression=exp.Literal.string(SUBJECT_SEPARATOR)), expression=part)
    return key


class _Builder:
    def __init__(self, spec: ModelSpec, catalog: Mapping[str, DatasetInfo]):
        self.spec = spec
        self.catalog = catalog
        self.params = Params(spec_params=dict(spec.params))
        self.used: list[str] = []
        self.sources: dict[str, Source] = {}
        self.evidence_extra: list[tuple[str, exp.Expression]] = []

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
        return _col(name, source.alias)

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
                return _col(name, src.alias)
            return self.column(src, name, where)

        subject = [pick(c, "spec.subject.columns") for c in spec.subject_columns]
        label = pick(spec.subject_label, "spec.subject.label") if spec.subject_label else None
        selects: list[exp.Expression] = [
            exp.alias_(subject_key_expr(subject), "subject_key", quoted=True),
            exp.alias_(
                # Without a label column the label is the key: store NULL rather than the same text twice.
                _varchar(label if label is not None else exp.Null()),
                "subject_label",
                quoted=True,
            ),
        ]
        names = ["subject_key", "subject_label"]
        if spec.location and spec.kind != "dwell":
            lng, lat = spec.location
            selects += [
                exp.alias_(_double(pick(lng, "spec.location.lng")), "lng", quoted=True),
                exp.alias_(_double(pick(lat, "spec.location.lat")), "lat", quoted=True),
            ]
            names += ["lng", "lat"]
        evidence = []
        for ref in spec.evidence:
            where = "spec.evidence"
            if "." in ref:
                code, name = ref.split(".", 1)
                other = self.sources.get(code)
                # Only data sets joined into the row (a threshold's reference, a mismatch's other source) can
                # give evidence; an EXISTS test has no single matching row to show.
                if (
                    other is None
                    or output_names is not None
                    or other.alias not in ("ref", "oth")
                    or (spec.kind not in ("threshold", "mismatch"))
                ):
                    raise SpecError(f"{where}：“{ref}”不是本模型读取的数据集的列")
                value, out = self.column(other, name, where), f"{code}_{name}"
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

    # -- kinds ---------------------------------------------------------------------------------------------
    def threshold(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        relation = exp.select("1").from_(_table(src.info.code, src.alias))
        if "reference" in body:
            ref_spec = body["reference"]
            ref = self.source(ref_spec["dataset"], "ref", "spec.threshold.reference.dataset")
            relation = relation.join(
                _table(ref.info.code, ref.alias),
                on=self.join_on(src, ref, ref_spec["join"], "spec.threshold.reference.join"),
                join_type="inner",
            )
            limit = self.expr(ref_spec["value"], ref, "spec.threshold.reference.value")
        else:
            limit = self.value(body["limit"])
        value = self.expr(body["value"], src, "spec.threshold.value")
        op = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}[body["op"]]
        relation = relation.where(_and(self.main_filter(src), op(this=value.copy(), expression=limit.copy())))
        return self.finish(relation, src, [("value", value), ("limit_value", limit)])

    def missing_in_other(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        other = self.source(body["other"], "oth", "spec.missing_in_other.other")
        conditions = [self.join_on(src, other, body["join"], "spec.missing_in_other.join")]
        extra = [
            self.expr(text, src, f"spec.missing_in_other.conditions[{i}]")
            for i, text in enumerate(body.get("conditions", ()))
        ]
        present = body.get("match", "absent") == "present"
        relation = self.present_by_bound(src, other, body["join"], extra) if present else None
        if relation is None:
            exists = exp.Exists(
                this=exp.select("1").from_(_table(other.info.code, other.alias)).where(exp.and_(*conditions, *extra))
            )
            test = exists if present else exp.Not(this=exists)
            relation = exp.select("1").from_(_table(src.info.code, src.alias)).where(_and(self.main_filter(src), test))
        return self.finish(relation, src, [])

    def present_by_bound(
        self, src: Source, other: Source, join: Mapping[str, str], extra: list[exp.Expression]
    ) -> exp.Select | None:
        """``match: present`` whose one cross condition compares an ordered column of the other data set with the
        row (``deaths.died_on < paid_on``) as a join to that column's MIN/MAX per key; None when it does not fit.

        ``EXISTS (o.k = s.k AND o.c < s.v)`` holds exactly when ``MIN(o.c)`` over the key's rows is ``< s.v`` (NULLs
        satisfy neither), and ``>``/``>=`` likewise with MAX. DuckDB plans the correlated EXISTS with an inequality
        as a delim join (distinct outer rows, join, join back: 2–3× slower); the grouped join is one hash join, on
        every engine. The derived table has one row per key, so no row is repeated.
        """
        own, outer, cross = [], [], []
        for condition in extra:
            aliases = {c.table for c in condition.find_all(exp.Column)}
            if aliases == {other.alias}:
                own.append(condition)
            elif other.alias in aliases:
                cross.append(condition)
            else:
                outer.append(condition)
        if len(cross) != 1 or type(cross[0].unnest()) not in _FLIPPED:
            return None
        # Keys of different types meet through an implicit cast that need not be one-to-one (the other data set's
        # '1' and '01' both equal 1): grouped by the other's own values, one row would join several groups.
        if any(src.info.columns.get(scol) != other.info.columns.get(ocol) for scol, ocol in join.items()):
            return None
        test = cross[0].unnest()
        left, right = test.this.unnest(), test.expression.unnest()

        def bound_column(node: exp.Expression) -> bool:
            return (
                isinstance(node, exp.Column)
                and node.table == other.alias
                and other.info.columns.get(node.name) in _ORDERED_TYPES
            )

        def row_side(node: exp.Expression) -> bool:
            return all(c.table == src.alias for c in node.find_all(exp.Column))

        if bound_column(left) and row_side(right):
            column, value, op = left, right, type(test)
        elif bound_column(right) and row_side(left):
            column, value, op = right, left, _FLIPPED[type(test)]
        else:
            return None
        where = "spec.missing_in_other.join"
        other_keys = [self.column(other, ocol, where) for ocol in join.values()]
        aggregate = exp.Min if op in (exp.LT, exp.LTE) else exp.Max
        bounds = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(other_keys)],
                exp.alias_(aggregate(this=column.copy()), "bound_value", quoted=True),
            )
            .from_(_table(other.info.code, other.alias))
            .where(_and(*own))
            .group_by(*[k.copy() for k in other_keys])
        )
        on = exp.and_(
            *[
                exp.EQ(this=self.column(src, scol, where), expression=_col(f"k{i}", "bnd"))
                for i, scol in enumerate(join)
            ]
        )
        return (
            exp.select("1")
            .from_(_table(src.info.code, src.alias))
            .join(exp.Subquery(this=bounds, alias=exp.TableAlias(this=_ident("bnd"))), on=on, join_type="inner")
            .where(_and(self.main_filter(src), *outer, op(this=_col("bound_value", "bnd"), expression=value.copy())))
        )

    def mismatch(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        other = self.source(body["other"], "oth", "spec.mismatch.other")
        value = self.expr(body["value"], src, "spec.mismatch.value")
        other_value = self.expr(body["other_value"], other, "spec.mismatch.other_value")
        difference = exp.paren(exp.Sub(this=value.copy(), expression=other_value.copy()))
        gap = exp.func("ABS", difference.copy())
        tests = [exp.GT(this=gap.copy(), expression=self.value(body.get("abs_tolerance", 0)))]
        if "rel_tolerance" in body:
            tests.append(
                exp.GT(
                    this=gap.copy(),
                    expression=exp.Mul(
                        this=self.value(body["rel_tolerance"]), expression=exp.func("ABS", other_value.copy())
                    ),
                )
            )
        relation = (
            exp.select("1")
            .from_(_table(src.info.code, src.alias))
            .join(
                _table(other.info.code, other.alias),
                on=self.join_on(src, other, body["join"], "spec.mismatch.join"),
                join_type="inner",
            )
            .where(_and(self.main_filter(src), *tests))
        )
        return self.finish(relation, src, [("value", value), ("other_value", other_value), ("difference", difference)])

    def duplicate(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        keys = [self.column(src, k, "spec.duplicate.keys") for k in body["keys"]]
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=keys)
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=_ident(src.alias)), exp.alias_(window, "duplicate_count", quoted=True)
            )
            .from_(_table(src.info.code, src.alias))
            .where(
                _and(self.main_filter(src), *[exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys])
            )
        )
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident(src.alias))))
            .where(exp.GT(this=_col("duplicate_count", src.alias), expression=exp.Literal.number(1)))
        )
        return self.finish(relation, src, [("duplicate_count", _col("duplicate_count", src.alias))])

    def time_gap(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        parts = [self.column(src, c, "spec.time_gap.partition_by") for c in body["partition_by"]]
        order = self.column(src, body["order_by"], "spec.time_gap.order_by")
        lag = exp.Window(
            this=exp.Lag(this=order.copy()),
            partition_by=parts,
            order=exp.Order(expressions=[exp.Ordered(this=order.copy())]),
        )
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=_ident(src.alias)), exp.alias_(lag, "previous_at", quoted=True)
            )
            .from_(_table(src.info.code, src.alias))
            .where(_and(self.main_filter(src), exp.Not(this=exp.Is(this=order.copy(), expression=exp.Null()))))
        )
        gap = seconds_between(_col("previous_at", src.alias), _col(body["order_by"], src.alias))
        tests = []
        if "max_gap_seconds" in body:
            tests.append(exp.GT(this=gap.copy(), expression=self.value(body["max_gap_seconds"])))
        if "min_gap_seconds" in body:
            tests.append(exp.LT(this=gap.copy(), expression=self.value(body["min_gap_seconds"])))
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident(src.alias))))
            .where(
                exp.and_(
                    exp.Not(this=exp.Is(this=_col("previous_at", src.alias), expression=exp.Null())), exp.or_(*tests)
                )
            )
        )
        return self.finish(relation, src, [("previous_at", _col("previous_at", src.alias)), ("gap_seconds", gap)])

    def route_deviation(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        if not self.spec.location:
            raise SpecError("spec.location：偏离路线模型需要定位列（lng、lat）")
        corridor = body["corridor"]
        ref = self.source(corridor["dataset"], "ref", "spec.route_deviation.corridor.dataset")
        where = "spec.route_deviation.corridor"
        ref_keys = [self.column(ref, c, where + ".join") for c in corridor["join"].values()]
        r_lng, r_lat = self.column(ref, corridor["lng"], where), self.column(ref, corridor["lat"], where)
        order = exp.Order(expressions=[exp.Ordered(this=self.column(ref, corridor["order_by"], where))])

        def lead(c):
            return exp.func(
                "COALESCE",
                exp.Window(this=exp.Lead(this=c.copy()), partition_by=[k.copy() for k in ref_keys], order=order.copy()),
                c.copy(),
            )

        segments = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(ref_keys)],
                exp.alias_(_double(r_lng.copy()), "a_lng", quoted=True),
                exp.alias_(_double(r_lat.copy()), "a_lat", quoted=True),
                exp.alias_(_double(lead(r_lng)), "b_lng", quoted=True),
                exp.alias_(_double(lead(r_lat)), "b_lat", quoted=True),
            )
            .from_(_table(ref.info.code, ref.alias))
            .where(
                exp.and_(
                    exp.Not(this=exp.Is(this=r_lng.copy(), expression=exp.Null())),
                    exp.Not(this=exp.Is(this=r_lat.copy(), expression=exp.Null())),
                )
            )
        )
        p_lng = _double(self.column(src, self.spec.location[0], "spec.location.lng"))
        p_lat = _double(self.column(src, self.spec.location[1], "spec.location.lat"))

        def seg(name):
            return _col(name, "seg")

        # Local plane around the point, in degrees of latitude: x scaled by cos(lat) (equirectangular).
        cos_lat = exp.func("COS", exp.func("RADIANS", p_lat.copy()))
        ax = exp.paren(
            exp.Mul(this=exp.paren(exp.Sub(this=seg("a_lng"), expression=p_lng.copy())), expression=cos_lat.copy())
        )
        ay = exp.paren(exp.Sub(this=seg("a_lat"), expression=p_lat.copy()))
        bx = exp.paren(
            exp.Mul(this=exp.paren(exp.Sub(this=seg("b_lng"), expression=p_lng.copy())), expression=cos_lat.copy())
        )
        by = exp.paren(exp.Sub(this=seg("b_lat"), expression=p_lat.copy()))
        dx = exp.paren(exp.Sub(this=bx, expression=ax.copy()))
        dy = exp.paren(exp.Sub(this=by, expression=ay.copy()))
        dd = exp.paren(
            exp.Add(
                this=exp.Mul(this=dx.copy(), expression=dx.copy()),
                expression=exp.Mul(this=dy.copy(), expression=dy.copy()),
            )
        )
        dot = exp.paren(
            exp.Add(
                this=exp.Mul(this=ax.copy(), expression=dx.copy()),
                expression=exp.Mul(this=ay.copy(), expression=dy.copy()),
            )
        )
        t = exp.Case(
            ifs=[exp.If(this=exp.EQ(this=dd.copy(), expression=exp.Literal.number(0)), true=exp.Literal.number(0))],
            default=exp.func(
                "LEAST",
                exp.Literal.number(1),
                exp.func("GREATEST", exp.Literal.number(0), exp.Div(this=exp.Neg(this=dot), expression=dd.copy())),
            ),
        )
        t = exp.paren(t)
        cx = exp.paren(exp.Add(this=ax.copy(), expression=exp.Mul(this=t.copy(), expression=dx.copy())))
        cy = exp.paren(exp.Add(this=ay.copy(), expression=exp.Mul(this=t.copy(), expression=dy.copy())))
        dist2 = exp.Add(this=exp.Mul(this=cx.copy(), expression=cx), expression=exp.Mul(this=cy.copy(), expression=cy))
        limit_deg = Decimal(str(body["max_distance_m"])) / METRES_PER_DEGREE
        near = exp.LTE(this=dist2, expression=_double(self.value(limit_deg * limit_deg)))
        key_match = [
            exp.EQ(this=self.column(src, scol, where + ".join"), expression=_col(f"k{i}", "seg"))
            for i, scol in enumerate(corridor["join"].keys())
        ]
        has_corridor = exp.Exists(
            this=exp.select("1")
            .from_(_table(ref.info.code, "ref2"))
            .where(
                exp.and_(
                    *[
                        exp.EQ(this=self.column(src, scol, where + ".join"), expression=_col(rcol, "ref2"))
                        for scol, rcol in corridor["join"].items()
                    ]
                )
            )
        )
        on_route = exp.Exists(
            this=exp.select("1")
            .from_(exp.Subquery(this=segments, alias=exp.TableAlias(this=_ident("seg"))))
            .where(exp.and_(*key_match, near))
        )
        relation = (
            exp.select("1")
            .from_(_table(src.info.code, src.alias))
            .where(
                _and(
                    self.main_filter(src),
                    exp.Not(this=exp.Is(this=p_lng.copy(), expression=exp.Null())),
                    exp.Not(this=exp.Is(this=p_lat.copy(), expression=exp.Null())),
                    has_corridor,
                    exp.Not(this=on_route),
                )
            )
        )
        return self.finish(relation, src, [])

    def dwell(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        if not self.spec.location:
            raise SpecError("spec.location：异常停留模型需要定位列（lng、lat）")
        where = "spec.dwell"
        part_names = body["partition_by"]
        parts = [self.column(src, c, where + ".partition_by") for c in part_names]
        ts = self.column(src, body["order_by"], where + ".order_by")
        lng = _double(self.column(src, self.spec.location[0], "spec.location.lng"))
        lat = _double(self.column(src, self.spec.location[1], "spec.location.lat"))
        order = exp.Order(expressions=[exp.Ordered(this=ts.copy())])

        def over(fn):
            return exp.Window(this=fn, partition_by=[p.copy() for p in parts], order=order.copy())

        s1 = (
            exp.select(
                *[exp.alias_(p.copy(), n, quoted=True) for p, n in zip(parts, part_names, strict=True)],
                exp.alias_(ts.copy(), "ts", quoted=True),
                exp.alias_(lng.copy(), "lng", quoted=True),
                exp.alias_(lat.copy(), "lat", quoted=True),
                exp.alias_(over(exp.Lag(this=lng.copy())), "prev_lng", quoted=True),
                exp.alias_(over(exp.Lag(this=lat.copy())), "prev_lat", quoted=True),
            )
            .from_(_table(src.info.code, src.alias))
            .where(
                _and(
                    self.main_filter(src),
                    *[exp.Not(this=exp.Is(this=x.copy(), expression=exp.Null())) for x in (ts, lng, lat)],
                )
            )
        )
        moved = exp.Case(
            ifs=[
                exp.If(
                    this=exp.or_(
                        exp.Is(this=_col("prev_lng"), expression=exp.Null()),
                        exp.GT(
                            this=distance_m(_col("prev_lng"), _col("prev_lat"), _col("lng"), _col("lat")),
                            expression=self.value(body.get("stationary_radius_m", 50)),
                        ),
                    ),
                    true=exp.Literal.number(1),
                )
            ],
            default=exp.Literal.number(0),
        )
        s1_parts = [_col(n) for n in part_names]
        running = exp.Window(
            this=exp.Sum(this=moved),
            partition_by=s1_parts,
            order=exp.Order(expressions=[exp.Ordered(this=_col("ts"))]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
        )
        s2 = exp.select(
            *[_col(n) for n in part_names],
            _col("ts"),
            _col("lng"),
            _col("lat"),
            exp.alias_(running, "stop_no", quoted=True),
        ).from_(exp.Subquery(this=s1, alias=exp.TableAlias(this=_ident("s1"))))
        duration = seconds_between(exp.Min(this=_col("ts")), exp.Max(this=_col("ts")))
        min_seconds = self.value(Decimal(str(body["min_minutes"])) * 60)
        s3 = (
            exp.select(
                *[_col(n) for n in part_names],
                exp.alias_(exp.Min(this=_col("ts")), "dwell_start", quoted=True),
                exp.alias_(exp.Max(this=_col("ts")), "dwell_end", quoted=True),
                exp.alias_(duration.copy(), "dwell_seconds", quoted=True),
                exp.alias_(exp.Avg(this=_col("lng")), "lng", quoted=True),
                exp.alias_(exp.Avg(this=_col("lat")), "lat", quoted=True),
                exp.alias_(exp.Count(this=exp.Star()), "point_count", quoted=True),
            )
            .from_(exp.Subquery(this=s2, alias=exp.TableAlias(this=_ident("s2"))))
            .group_by(*[_col(n) for n in part_names], _col("stop_no"))
            .having(exp.GT(this=duration, expression=min_seconds))
        )
        places_spec = body["places"]
        places = self.source(places_spec["dataset"], "pl", where + ".places.dataset")
        near = exp.LTE(
            this=distance_m(
                _col("lng", "dw"),
                _col("lat", "dw"),
                _double(self.column(places, places_spec["lng"], where + ".places.lng")),
                _double(self.column(places, places_spec["lat"], where + ".places.lat")),
            ),
            expression=self.value(places_spec["radius_m"]),
        )
        registered = exp.Exists(this=exp.select("1").from_(_table(places.info.code, places.alias)).where(near))
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=s3, alias=exp.TableAlias(this=_ident("dw"))))
            .where(exp.Not(this=registered))
        )
        out = Source("dw", src.info)
        computed = [
            (c, _col(c, "dw")) for c in ("lng", "lat", "dwell_start", "dwell_end", "dwell_seconds", "point_count")
        ]
        return self.finish(relation, out, computed, output_names=set(part_names))

    def aggregate(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        where = "spec.aggregate"
        groups = [self.column(src, c, where + ".group_by") for c in body["group_by"]]
        if body["mode"] == "having":
            measures: dict[str, exp.Expression] = {}
            for name, m in body["measures"].items():
                func = m["func"]
                if func != "count" and "column" not in m:
                    raise SpecError(f"{where}.measures.{name}：需要指定列（column）")
                col = self.column(src, m["column"], f"{where}.measures.{name}.column") if "column" in m else None
                measures[name] = {
                    "count": lambda c: exp.Count(this=c if c is not None else exp.Star()),
                    "count_distinct": lambda c: exp.Count(this=exp.Distinct(expressions=[c])),
                    "sum": lambda c: exp.Sum(this=c),
                    "avg": lambda c: exp.Avg(this=c),
                    "min": lambda c: exp.Min(this=c),
                    "max": lambda c: exp.Max(this=c),
                }[func](col)
            having = self.expr(body["having"], src, where + ".having", bare_names=measures)
            inner = (
                exp.select(
                    *[exp.alias_(g.copy(), n, quoted=True) for g, n in zip(groups, body["group_by"], strict=True)],
                    *[exp.alias_(v.copy(), n, quoted=True) for n, v in measures.items()],
                )
                .from_(_table(src.info.code, src.alias))
                .where(self.main_filter(src))
                .group_by(*groups)
                .having(having)
            )
            relation = exp.select("1").from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident("agg"))))
            out = Source("agg", src.info)
            names = set(body["group_by"]) | set(measures)
            return self.finish(
                relation,
                out,
                [(n, _col(n, "agg")) for n in measures if n not in self.spec.evidence],
                output_names=names,
            )
        # peer_band: a row whose value lies outside mean ± k·stddev of its peer group. A percentile band is not
        # portable (PERCENTILE_CONT differs in syntax and interpolation across engines), mean/stddev is.
        value = _double(self.expr(body["value"], src, where + ".value"))
        window = {"partition_by": [g.copy() for g in groups]}
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=_ident(src.alias)),
                exp.alias_(value.copy(), "value", quoted=True),
                exp.alias_(exp.Window(this=exp.Avg(this=value.copy()), **window), "group_mean", quoted=True),
                exp.alias_(
                    exp.Window(this=exp.StddevSamp(this=value.copy()), **{"partition_by": [g.copy() for g in groups]}),
                    "group_stddev",
                    quoted=True,
                ),
                exp.alias_(
                    exp.Window(this=exp.Count(this=exp.Star()), **{"partition_by": [g.copy() for g in groups]}),
                    "group_size",
                    quoted=True,
                ),
            )
            .from_(_table(src.info.code, src.alias))
            .where(
                _and(
                    self.main_filter(src),
                    exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                    *[exp.Not(this=exp.Is(this=g.copy(), expression=exp.Null())) for g in groups],
                )
            )
        )
        k = _double(self.value(body["k"]))
        half = exp.Mul(this=k, expression=_col("group_stddev", src.alias))
        v, mean = _col("value", src.alias), _col("group_mean", src.alias)
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident(src.alias))))
            .where(
                exp.and_(
                    exp.GTE(this=_col("group_size", src.alias), expression=self.value(body.get("min_group_size", 5))),
                    exp.GT(this=_col("group_stddev", src.alias), expression=exp.Literal.number(0)),
                    exp.or_(
                        exp.LT(this=v.copy(), expression=exp.Sub(this=mean.copy(), expression=half.copy())),
                        exp.GT(this=v.copy(), expression=exp.Add(this=mean.copy(), expression=half.copy())),
                    ),
                )
            )
        )
        computed = [(c, _col(c, src.alias)) for c in ("value", "group_mean", "group_stddev", "group_size")]
        return self.finish(relation, src, computed)

    def custom_sql(self) -> CompiledModel:
        query, used = compile_custom_sql(self.spec.body["sql"], catalog=self.catalog)
        for code in used:
            self.dataset(code, "spec.custom_sql.sql")
        first = query
        while isinstance(first, exp.SetOperation):
            first = first.this
        names = set()
        for projection in first.expressions:
            if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
                raise SpecError("spec.custom_sql.sql：请列出结果列，不要使用 *")
            names.add(projection.alias_or_name)
        relation = exp.select("1").from_(exp.Subquery(this=query, alias=exp.TableAlias(this=_ident("q"))))
        return self.finish(relation, Source("q", None), [], output_names=names)


def compile_model(spec: ModelSpec | str | Mapping, catalog: Mapping[str, DatasetInfo]) -> CompiledModel:
    """Compile a spec (or its text) against the catalogue of data sets; raise SpecError if it cannot run."""
    if not isinstance(spec, ModelSpec):
        spec = parse_spec(spec)
    builder = _Builder(spec, catalog)
    return getattr(builder, spec.kind)()
