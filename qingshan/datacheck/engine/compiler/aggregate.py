"""aggregate: groups whose measures fail a test (``having``), or rows outside their peers' band (``peer_band``,
mean ± k·stddev; ``peer_robust``, leave-one-out median and MAD: ``peer_robust.py``)."""

from sqlglot import exp

from ..expressions import Source
from ..spec import SpecError
from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable
from .peer_robust import build_peer_robust


class AggregateBuilder(ModelBuilder):
    """Groups failing a HAVING test, or rows outside their peer group's band."""

    def build(self) -> CompiledModel:
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
                .from_(qtable(src.info.code, src.alias))
                .where(self.main_filter(src))
                .group_by(*groups)
                .having(having)
            )
            relation = exp.select("1").from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident("agg"))))
            out = Source("agg", src.info)
            names = set(body["group_by"]) | set(measures)
            return self.finish(
                relation,
                out,
                [(n, qcol(n, "agg")) for n in measures if n not in self.spec.evidence],
                output_names=names,
            )
        if body["mode"] == "peer_robust":
            return build_peer_robust(self, src, groups, self.expr(body["value"], src, where + ".value"))
        # peer_band: a row whose value lies outside mean ± k·stddev of its peer group. A percentile band is not
        # portable (PERCENTILE_CONT differs in syntax and interpolation across engines), mean/stddev is.
        value = as_double(self.expr(body["value"], src, where + ".value"))
        window = {"partition_by": [g.copy() for g in groups]}
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=ident(src.alias)),
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
            .from_(qtable(src.info.code, src.alias))
            .where(
                all_of(
                    self.main_filter(src),
                    exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                    *[exp.Not(this=exp.Is(this=g.copy(), expression=exp.Null())) for g in groups],
                )
            )
        )
        k = as_double(self.value(body["k"]))
        half = exp.Mul(this=k, expression=qcol("group_stddev", src.alias))
        v, mean = qcol("value", src.alias), qcol("group_mean", src.alias)
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident(src.alias))))
            .where(
                exp.and_(
                    exp.GTE(this=qcol("group_size", src.alias), expression=self.value(body.get("min_group_size", 5))),
                    exp.GT(this=qcol("group_stddev", src.alias), expression=exp.Literal.number(0)),
                    exp.or_(
                        exp.LT(this=v.copy(), expression=exp.Sub(this=mean.copy(), expression=half.copy())),
                        exp.GT(this=v.copy(), expression=exp.Add(this=mean.copy(), expression=half.copy())),
                    ),
                )
            )
        )
        computed = [(c, qcol(c, src.alias)) for c in ("value", "group_mean", "group_stddev", "group_size")]
        return self.finish(relation, src, computed)
