"""missing_in_other: rows absent from (or, with ``match: present``, present in) another data set."""
from collections.abc import Mapping

from sqlglot import exp

from ..expressions import Source
from .base import WHOLE_PRIMARY, CompiledModel, ModelBuilder, all_of, ident, qcol, qtable

# ``other_col OP row_value`` has a match exactly when MIN (for < <=) or MAX (for > >=) of other_col does.
_FLIPPED = {exp.LT: exp.GT, exp.LTE: exp.GTE, exp.GT: exp.LT, exp.GTE: exp.LTE}
_ORDERED_TYPES = ("integer", "decimal", "double", "date", "timestamp")


class MissingInOtherBuilder(ModelBuilder):
    """Rows without (``absent``) or with (``present``) a matching row elsewhere."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        other = self.source(body["other"], "oth", "spec.missing_in_other.other")
        conditions = [self.join_on(src, other, body["join"], "spec.missing_in_other.join")]
        extra = [
            self.expr(text, src, f"spec.missing_in_other.conditions[{i}]")
            for i, text in enumerate(body.get("conditions", ()))
        ]
        present = body.get("match", "absent") == "present"
        # Evidence shows the other data set's rows that match the row: all conditions when present (the death
        # recorded before the payment), only the join when absent (the licence that exists but has expired).
        self.evidence_condition = exp.and_(*[c.copy() for c in conditions], *[e.copy() for e in extra]) if present \
            else conditions[0].copy()
        if present:
            relation = self.present_by_bound(src, other, body["join"], extra)
        else:
            relation = self.absent_by_outer_join(src, other, body["join"], conditions[0], extra)
        if relation is None:
            exists = exp.Exists(
                this=exp.select("1").from_(qtable(other.info.code, other.alias)).where(exp.and_(*conditions, *extra))
            )
            test = exists if present else exp.Not(this=exists)
            relation = (
                exp.select("1").from_(qtable(src.info.code, src.alias)).where(all_of(self.main_filter(src), test))
            )
        if not present:
            # The evidence condition of an absent match is the join alone (the licence that exists but has expired).
            relation = self.evidence_by_key(relation, src, other, body["join"], "spec.missing_in_other.join")
        return self.finish(relation, src, [])

    def other_evidence(self, other: Source, name: str, where: str) -> exp.Expression:
        return self.matching_value(other, name, where, self.evidence_condition.copy())

    def absent_by_outer_join(
        self, src: Source, other: Source, join: Mapping[str, str], on: exp.Expression, extra: list[exp.Expression]
    ) -> exp.Select | None:
        """``match: absent`` whose conditions each compare the other data set with the row (a licence valid on the
        day of shipping: ``other.valid_to >= CAST(shipped_at AS DATE)``) as ``LEFT JOIN other ON join AND
        conditions WHERE other.key IS NULL``; None without conditions or with any other kind of condition.

        A row with no matching row of the other data set is kept once, NULL-extended; a row with matches yields
        only rows whose other key equals the row's (not NULL): the same rows as ``NOT EXISTS``, NULL keys included
        (no match, kept). DuckDB plans the correlated ``NOT EXISTS`` with inequalities as a delim join (the distinct
        outer rows, joined, then anti-joined back: 5–15× the anti join on the licence models); the outer join is
        one hash join with the inequalities as a residual, and PostgreSQL turns this form into its anti join.
        Without conditions ``NOT EXISTS`` is already a plain hash anti join and stays; a condition that mixes both
        sides in one expression stays in ``NOT EXISTS`` too (DuckDB would run that outer join as a nested loop).
        """
        def tables(node: exp.Expression) -> set[str]:
            return {c.table for c in node.find_all(exp.Column)}

        def splits(condition: exp.Expression) -> bool:
            # ``other_column_expr OP row_expr``: a join condition every engine can check beside the hash join.
            # Anything else (``distance_m(other, row) <= 1000``) would make DuckDB's outer join a nested loop.
            test = condition.unnest()
            if type(test) not in (*_FLIPPED, exp.EQ, exp.NEQ):
                return False
            sides = {frozenset(tables(test.this)), frozenset(tables(test.expression))}
            return sides == {frozenset({other.alias}), frozenset({src.alias})}

        if not extra or not all(splits(e) for e in extra):
            return None
        key = self.column(other, next(iter(join.values())), "spec.missing_in_other.join")
        return (
            exp.select("1")
            .from_(qtable(src.info.code, src.alias))
            .join(qtable(other.info.code, other.alias), on=exp.and_(on.copy(), *[e.copy() for e in extra]),
                  join_type="left")
            .where(all_of(self.main_filter(src), exp.Is(this=key, expression=exp.Null())))
        )

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
        if self.other_evidence_names(other):
            cross_test = op(this=column.copy(), expression=value.copy())
            return self.present_with_evidence(src, other, join, own, outer, cross_test)
        where = "spec.missing_in_other.join"
        other_keys = [self.column(other, ocol, where) for ocol in join.values()]
        aggregate = exp.Min if op in (exp.LT, exp.LTE) else exp.Max
        bounds = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(other_keys)],
                exp.alias_(aggregate(this=column.copy()), "bound_value", quoted=True),
            )
            .from_(qtable(other.info.code, other.alias))
            .where(all_of(*own))
            .group_by(*[k.copy() for k in other_keys])
        )
        on = exp.and_(
            *[
                exp.EQ(this=self.column(src, scol, where), expression=qcol(f"k{i}", "bnd"))
                for i, scol in enumerate(join)
            ]
        )
        return (
            exp.select("1")
            .from_(qtable(src.info.code, src.alias))
            .join(exp.Subquery(this=bounds, alias=exp.TableAlias(this=ident("bnd"))), on=on, join_type="inner")
            .where(all_of(self.main_filter(src), *outer, op(this=qcol("bound_value", "bnd"), expression=value.copy())))
        )

    def present_with_evidence(
        self, src: Source, other: Source, join: Mapping[str, str], own: list[exp.Expression],
        outer: list[exp.Expression], cross: exp.Expression,
    ) -> exp.Select:
        """``present_by_bound`` when the other data set's columns are shown (``death_registry.died_on``: the latest
        death recorded before the payment): one join to the other data set's MAX of each evidence column per key
        and bound value (``paid_on``), taken over the main data set joined to the other as the hand query joins.

        A row matches exactly when its key and bound value form a group (the cross condition depends on the row
        only through them; a NULL key or value matches nothing and forms no group), and each group's MAX is the
        correlated subquery's over the row's matching rows, several rows of one person included. DuckDB runs
        that subquery per hit as a delim join (distinct outer values, join, aggregate, join back: ~2× the hand
        query at scale 1); this is two hash joins and one aggregate on every engine, one row per group so no row
        is repeated. The grouped side reads the main data set in full (``WHOLE_PRIMARY``), also in a dry run, so
        that every sampled row finds its group.
        """
        where = "spec.missing_in_other.join"
        whole = Source(WHOLE_PRIMARY, src.info)

        def on_whole(node: exp.Expression) -> exp.Expression:
            # The same expression over the grouped side's own reading of the main data set.
            node = node.copy()
            for col in node.find_all(exp.Column):
                if col.table == src.alias:
                    col.set("table", ident(WHOLE_PRIMARY))
            return node

        row_keys = [self.column(whole, scol, where) for scol in join]
        bound = on_whole(cross.expression)
        values = {name: f"v{i}" for i, name in enumerate(self.other_evidence_names(other))}
        on_other = exp.and_(
            *[
                exp.EQ(this=k.copy(), expression=self.column(other, ocol, where))
                for k, ocol in zip(row_keys, join.values(), strict=True)
            ],
            *[c.copy() for c in own],
            on_whole(cross),
        )
        main_filter = self.main_filter(src)
        grouped = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(row_keys)],
                exp.alias_(bound.copy(), "bound_row", quoted=True),
                *[
                    exp.alias_(exp.Max(this=self.column(other, name, "spec.evidence")), out, quoted=True)
                    for name, out in values.items()
                ],
            )
            .from_(qtable(src.info.code, WHOLE_PRIMARY))
            .join(qtable(other.info.code, other.alias), on=on_other, join_type="inner")
            .where(all_of(*[on_whole(c) for c in (main_filter, *outer) if c is not None]))
            .group_by(*[k.copy() for k in row_keys], bound.copy())
        )
        on = exp.and_(
            *[
                exp.EQ(this=self.column(src, scol, where), expression=qcol(f"k{i}", "oev"))
                for i, scol in enumerate(join)
            ],
            exp.EQ(this=cross.expression.copy(), expression=qcol("bound_row", "oev")),
        )
        self.evidence_by_name = values
        return (
            exp.select("1")
            .from_(qtable(src.info.code, src.alias))
            .join(exp.Subquery(this=grouped, alias=exp.TableAlias(this=ident("oev"))), on=on, join_type="inner")
            .where(all_of(main_filter, *outer))
        )
