"""time_gap: consecutive rows of a partition further apart, or closer, in time than allowed."""

from sqlglot import exp

from ..functions import seconds_between
from .base import CompiledModel, ModelBuilder, all_of, ident, qcol, qtable


class TimeGapBuilder(ModelBuilder):
    """Rows too long (or too short) after the previous row of their partition."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        parts = [self.column(src, c, "spec.time_gap.partition_by") for c in body["partition_by"]]
        order = self.column(src, body["order_by"], "spec.time_gap.order_by")
        lag = exp.Window(
            # lag n: the gap to the n-th previous row (n + 1 rows within the gap), e.g. three decisions in a year.
            this=exp.Lag(this=order.copy(), offset=exp.Literal.number(int(body["lag"])) if "lag" in body else None),
            partition_by=parts,
            order=exp.Order(expressions=[exp.Ordered(this=order.copy())]),
        )
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=ident(src.alias)), exp.alias_(lag, "previous_at", quoted=True)
            )
            .from_(qtable(src.info.code, src.alias))
            .where(all_of(self.main_filter(src), exp.Not(this=exp.Is(this=order.copy(), expression=exp.Null()))))
        )
        gap = seconds_between(qcol("previous_at", src.alias), qcol(body["order_by"], src.alias))
        tests = []
        if "max_gap_seconds" in body:
            tests.append(exp.GT(this=gap.copy(), expression=self.value(body["max_gap_seconds"])))
        if "min_gap_seconds" in body:
            tests.append(exp.LT(this=gap.copy(), expression=self.value(body["min_gap_seconds"])))
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident(src.alias))))
            .where(
                exp.and_(
                    exp.Not(this=exp.Is(this=qcol("previous_at", src.alias), expression=exp.Null())), exp.or_(*tests)
                )
            )
        )
        return self.finish(relation, src, [("previous_at", qcol("previous_at", src.alias)), ("gap_seconds", gap)])
