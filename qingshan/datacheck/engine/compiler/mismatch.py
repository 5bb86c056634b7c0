"""mismatch: rows disagreeing with the matching row of another data set beyond an absolute or relative tolerance."""

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, qtable


class MismatchBuilder(ModelBuilder):
    """Rows whose value differs from the joined other data set's beyond the tolerances."""

    def build(self) -> CompiledModel:
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
            .from_(qtable(src.info.code, src.alias))
            .join(
                qtable(other.info.code, other.alias),
                on=self.join_on(src, other, body["join"], "spec.mismatch.join"),
                join_type="inner",
            )
            .where(all_of(self.main_filter(src), *tests))
        )
        return self.finish(relation, src, [("value", value), ("other_value", other_value), ("difference", difference)])
