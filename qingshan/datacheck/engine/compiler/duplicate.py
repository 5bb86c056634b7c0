"""duplicate: rows whose key columns (and optional keys, NULL matching NULL) occur more than once."""

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, ident, qcol, qtable


class DuplicateBuilder(ModelBuilder):
    """Rows sharing their key columns with another row."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        keys = [self.column(src, k, "spec.duplicate.keys") for k in body["keys"]]
        # Optional keys take part in the comparison with NULL equal to NULL (PARTITION BY groups NULLs together):
        # a parcel number for the programmes that pay by parcel, none for those that pay by person.
        optional = [self.column(src, k, "spec.duplicate.optional_keys") for k in body.get("optional_keys", ())]
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=keys + optional)
        inner = (
            exp.select(
                exp.Column(this=exp.Star(), table=ident(src.alias)), exp.alias_(window, "duplicate_count", quoted=True)
            )
            .from_(qtable(src.info.code, src.alias))
            .where(
                all_of(
                    self.main_filter(src), *[exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())) for k in keys]
                )
            )
        )
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=ident(src.alias))))
            .where(exp.GT(this=qcol("duplicate_count", src.alias), expression=exp.Literal.number(1)))
        )
        return self.finish(relation, src, [("duplicate_count", qcol("duplicate_count", src.alias))])
