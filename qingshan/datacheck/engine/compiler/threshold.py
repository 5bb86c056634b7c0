"""threshold: rows whose value crosses a limit, fixed or read from a reference data set joined to the row."""

from dataclasses import replace
from decimal import Decimal

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, ident, qcol, qtable


class ThresholdBuilder(ModelBuilder):
    """Rows whose value crosses a fixed limit or a joined reference data set's value."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        relation = exp.select("1").from_(qtable(src.info.code, src.alias))
        if "reference" in body:
            ref_spec = body["reference"]
            ref = self.source(ref_spec["dataset"], "ref", "spec.threshold.reference.dataset")
            relation = relation.join(
                qtable(ref.info.code, ref.alias),
                on=self.join_on(src, ref, ref_spec["join"], "spec.threshold.reference.join"),
                join_type="inner",
            )
            limit = self.expr(ref_spec["value"], ref, "spec.threshold.reference.value")
        else:
            limit = self.value(body["limit"])
        value = self.expr(body["value"], src, "spec.threshold.value")
        op = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}[body["op"]]
        test = op(this=value.copy(), expression=limit.copy())
        dates_compared = False
        days = value.unnest()  # only ``days_between`` builds a DateDiff (the function is not open to specs)
        if "reference" not in body and _is_zero(body["limit"]) and isinstance(days, exp.DateDiff):
            # ``days_between(a, b) OP 0`` is ``b OP a`` on the dates: the same rows (NULL in either date: no row),
            # without computing a difference for every row (2–30× cheaper than the day difference on DuckDB).
            # The value column still shows the difference, for the hits only.
            test = op(this=days.this.copy(), expression=days.expression.copy())
            dates_compared = True
        if dates_compared or _size(value) < LARGE_VALUE_NODES:
            relation = relation.where(all_of(self.main_filter(src), test))
            return self.finish(relation, src, [("value", value), ("limit_value", limit)])
        # A large value (a standard's function expanded: GB 3838 classes, HJ 633 AQI, thousands of nodes) is
        # written once, as the output column, and tested outside: in the WHERE clause as well, DuckDB binds and
        # optimises it twice, which on small data costs more than the check itself (issue 10). Same rows.
        relation = relation.where(self.main_filter(src)) if self.spec.filter else relation
        model = self.finish(relation, src, [("value", value), ("limit_value", limit)])
        outer = exp.select(*[qcol(c) for c in model.columns]).from_(
            exp.Subquery(this=model.query, alias=exp.TableAlias(this=ident("judged")))
        ).where(op(this=qcol("value"), expression=qcol("limit_value")))
        return replace(model, query=outer)


# Value expressions of at least this many SQLGlot nodes are computed once (a plain column or a difference has
# under 20; a standard's expansion thousands).
LARGE_VALUE_NODES = 200


def _size(expression: exp.Expression) -> int:
    return sum(1 for _ in expression.walk())


def _is_zero(limit: object) -> bool:
    return isinstance(limit, int | float | Decimal) and not isinstance(limit, bool) and limit == 0
