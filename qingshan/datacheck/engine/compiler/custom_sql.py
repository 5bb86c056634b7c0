"""custom_sql: a hand-written SELECT, parsed and checked against the portable subset."""

from sqlglot import exp

from ..expressions import Source, compile_custom_sql
from ..spec import SpecError
from .base import CompiledModel, ModelBuilder, ident


class CustomSqlBuilder(ModelBuilder):
    """A hand-written SELECT in the portable subset; its columns are the hit rows."""

    def build(self) -> CompiledModel:
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
        relation = exp.select("1").from_(exp.Subquery(this=query, alias=exp.TableAlias(this=ident("q"))))
        return self.finish(relation, Source("q", None), [], output_names=names)
