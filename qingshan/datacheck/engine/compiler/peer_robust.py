"""aggregate ``mode: peer_robust``: rows far from their peers by a robust, leave-one-out statistic.

Each row is compared with the *other* rows of its group (the row itself is left out, so one lenient case cannot
pull its own yardstick towards it): the peers' median and median absolute deviation (MAD), both computed from ranks
(portable: ROW_NUMBER and COUNT windows, no PERCENTILE_CONT, whose syntax and interpolation differ by engine). A row
is a hit when at least ``min_group_size`` peers remain and its value lies beyond the median by more than both
``k`` × 1.4826 × MAD (1.4826 makes the MAD estimate a standard deviation under normality) and
``min_relative_deviation`` × |median| (a floor: when most peers paid the same fine the MAD is 0 and any cent would
otherwise count). ``direction`` picks the side: ``low`` (lenient), ``high`` or ``both``.

The peers are paired by a self-join per group: Σ n² rows for groups of n, meant for registers of decisions, not
for sensor streams.
"""

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable

MAD_TO_SIGMA = "1.4826"


def _sub(query: exp.Select, alias: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=ident(alias)))


def _median_rows(position: exp.Expression, count: exp.Expression) -> exp.Expression:
    """The one or two middle positions of ``count`` ordered values: 2·pos between n and n + 2 (integers only)."""
    twice = exp.Mul(this=exp.Literal.number(2), expression=position)
    return exp.and_(
        exp.GTE(this=twice, expression=count.copy()),
        exp.LTE(this=twice.copy(), expression=exp.Add(this=count.copy(), expression=exp.Literal.number(2))),
    )


def build_peer_robust(builder: ModelBuilder, src, groups: list[exp.Column], value: exp.Expression) -> CompiledModel:
    body = builder.spec.body
    value = as_double(value)
    group_names = [f"peer_g{i}" for i in range(len(groups))]
    # A total order over the rows (every column; identical rows are interchangeable), so each row gets one number.
    order = [exp.Ordered(this=g.copy()) for g in groups] + [exp.Ordered(this=value.copy())] + [
        exp.Ordered(this=qcol(c, src.alias)) for c in src.info.columns]
    base = (
        exp.select(
            exp.Column(this=exp.Star(), table=ident(src.alias)),
            exp.alias_(value.copy(), "peer_v", quoted=True),
            *[exp.alias_(g.copy(), n, quoted=True) for g, n in zip(groups, group_names, strict=True)],
            exp.alias_(exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order)), "peer_row", quoted=True),
        )
        .from_(qtable(src.info.code, src.alias))
        .where(
            all_of(
                builder.main_filter(src),
                exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                *[exp.Not(this=exp.Is(this=g.copy(), expression=exp.Null())) for g in groups],
            )
        )
    )
    # Every (row, peer) pair of a group, the row itself left out.
    pairs = (
        exp.select(exp.alias_(qcol("peer_row", "a"), "peer_row", quoted=True),
                   exp.alias_(qcol("peer_v", "b"), "pv", quoted=True))
        .from_(exp.Table(this=ident("peer_base"), alias=exp.TableAlias(this=ident("a"))))
        .join(
            exp.Table(this=ident("peer_base"), alias=exp.TableAlias(this=ident("b"))),
            on=exp.and_(
                *[exp.EQ(this=qcol(n, "a"), expression=qcol(n, "b")) for n in group_names],
                exp.NEQ(this=qcol("peer_row", "a"), expression=qcol("peer_row", "b")),
            ),
        )
    )

    def ranked(source: str, column: str) -> exp.Select:
        by_row = [qcol("peer_row", "r")]
        return exp.select(
            qcol("peer_row", "r"),
            exp.alias_(qcol(column, "r"), "x", quoted=True),
            exp.alias_(exp.Window(this=exp.RowNumber(), partition_by=[c.copy() for c in by_row],
                                  order=exp.Order(expressions=[exp.Ordered(this=qcol(column, "r"))])),
                       "pos", quoted=True),
            exp.alias_(exp.Window(this=exp.Count(this=exp.Star()), partition_by=[c.copy() for c in by_row]),
                       "n", quoted=True),
        ).from_(exp.Table(this=ident(source), alias=exp.TableAlias(this=ident("r"))))

    def middle(source: exp.Select, name: str) -> exp.Select:
        return (
            exp.select(
                qcol("peer_row", "m"),
                exp.alias_(exp.Avg(this=qcol("x", "m")), name, quoted=True),
                exp.alias_(exp.Max(this=qcol("n", "m")), "peer_count", quoted=True),
            )
            .from_(_sub(source, "m"))
            .where(_median_rows(qcol("pos", "m"), qcol("n", "m")))
            .group_by(qcol("peer_row", "m"))
        )

    median = middle(ranked("peer_pairs", "pv"), "peer_median")
    deviations = (
        exp.select(
            qcol("peer_row", "p"),
            exp.alias_(exp.Abs(this=exp.Sub(this=qcol("pv", "p"), expression=qcol("peer_median", "md"))), "d",
                       quoted=True),
        )
        .from_(exp.Table(this=ident("peer_pairs"), alias=exp.TableAlias(this=ident("p"))))
        .join(exp.Table(this=ident("peer_medians"), alias=exp.TableAlias(this=ident("md"))),
              on=exp.EQ(this=qcol("peer_row", "p"), expression=qcol("peer_row", "md")))
    )
    mad = middle(ranked("peer_deviations", "d"), "peer_mad")

    v = qcol("peer_v", src.alias)
    med, spread = qcol("peer_median", "md"), qcol("peer_mad", "mad")
    k = as_double(builder.value(body["k"]))
    floor = as_double(builder.value(body.get("min_relative_deviation", 0)))
    allowed = exp.func(
        "GREATEST",
        exp.Mul(this=exp.Mul(this=k, expression=as_double(exp.Literal.number(MAD_TO_SIGMA))), expression=spread),
        exp.Mul(this=floor, expression=exp.Abs(this=med.copy())),
    )
    low = exp.LT(this=v.copy(), expression=exp.Sub(this=med.copy(), expression=allowed.copy()))
    high = exp.GT(this=v.copy(), expression=exp.Add(this=med.copy(), expression=allowed.copy()))
    side = {"low": low, "high": high, "both": exp.or_(low, high)}[body.get("direction", "both")]
    relation = (
        exp.select("1")
        .from_(exp.Table(this=ident("peer_base"), alias=exp.TableAlias(this=ident(src.alias))))
        .join(exp.Table(this=ident("peer_medians"), alias=exp.TableAlias(this=ident("md"))),
              on=exp.EQ(this=qcol("peer_row", src.alias), expression=qcol("peer_row", "md")))
        .join(exp.Table(this=ident("peer_mads"), alias=exp.TableAlias(this=ident("mad"))),
              on=exp.EQ(this=qcol("peer_row", src.alias), expression=qcol("peer_row", "mad")))
        .where(
            exp.and_(
                exp.GTE(this=qcol("peer_count", "md"), expression=builder.value(body.get("min_group_size", 5))),
                side,
            )
        )
        .with_("peer_base", as_=base)
        .with_("peer_pairs", as_=pairs)
        .with_("peer_medians", as_=median)
        .with_("peer_deviations", as_=deviations)
        .with_("peer_mads", as_=mad)
    )
    computed = [
        ("value", v.copy()),
        ("peer_median", med.copy()),
        ("peer_mad", spread.copy()),
        ("peer_count", qcol("peer_count", "md")),
    ]
    return builder.finish(relation, src, computed)
