"""aggregate ``mode: peer_robust``: rows far from their peers by a robust, leave-one-out statistic.

Each row is compared with the *other* rows of its group (the row itself is left out, so one lenient case cannot
pull its own yardstick towards it): the peers' median and median absolute deviation (MAD). A row is a hit when at
least ``min_group_size`` peers remain and its value lies beyond the median by more than both ``k`` × 1.4826 × MAD
(1.4826 makes the MAD estimate a standard deviation under normality) and ``min_relative_deviation`` × |median| (a
floor: when most peers paid the same fine the MAD is 0 and any cent would otherwise count). ``direction`` picks
the side: ``low`` (lenient), ``high`` or ``both``.

Portable and without pairing every row with every peer: medians come from ranks (ROW_NUMBER, no PERCENTILE_CONT,
whose syntax and interpolation differ by engine). In a group of n rows ranked 1..n, the others of the row ranked r
are n − 1 values whose middle positions lo = ⌊n/2⌋ and hi = ⌈n/2⌉ sit at ranks lo + [lo ≥ r] and hi + [hi ≥ r] of
the whole group: equality joins. Those rank pairs take at most three values per group (r below, at or above the
middle), so do the peers' medians; each row's deviations from its median are ranked once per group and median
(n rows each), and the MAD of the others is the middle of that ranking without the row's own place, by the same
shift. About 3n rows in windows and joins, sorting included.
"""

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable

MAD_TO_SIGMA = "1.4826"


def _table(name: str, alias: str) -> exp.Table:
    return exp.Table(this=ident(name), alias=exp.TableAlias(this=ident(alias)))


def _at(table: str, rank: str, other: str, position: str) -> exp.Expression:
    """`table`'s row whose `rank` is the `position` computed in `other`."""
    return exp.EQ(this=qcol(rank, table), expression=qcol(position, other))


def _bigint(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("BIGINT"))


def _shifted(position: exp.Expression, own: exp.Expression) -> exp.Expression:
    """A position among the others as a rank of the whole list: one further on from the row's own rank."""
    return exp.Add(
        this=position,
        expression=exp.Case(
            ifs=[exp.If(this=exp.GTE(this=position.copy(), expression=own), true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        ),
    )


def _half(count: exp.Expression, func: type[exp.Func]) -> exp.Expression:
    """⌊count / 2⌋ or ⌈count / 2⌉ as BIGINT (FLOOR/CEIL of an exact half: no integer division, spelt differently)."""
    return _bigint(func(this=exp.Div(this=as_double(count), expression=exp.Literal.number(2))))


def build_peer_robust(builder: ModelBuilder, src, groups: list[exp.Column], value: exp.Expression) -> CompiledModel:
    body = builder.spec.body
    value = as_double(value)
    names = [f"peer_g{i}" for i in range(len(groups))]

    def same_group(left: str, right: str) -> list[exp.Expression]:
        return [exp.EQ(this=qcol(n, left), expression=qcol(n, right)) for n in names]

    # Ranks by value alone: rows of equal value are interchangeable (a row's peers are its group less one copy of
    # its value, whichever copy), so a tie broken differently in another reading of the CTE changes nothing.
    order = exp.Order(expressions=[exp.Ordered(this=value.copy())])
    base = (
        exp.select(
            exp.Column(this=exp.Star(), table=ident(src.alias)),
            exp.alias_(value.copy(), "peer_v", quoted=True),
            *[exp.alias_(g.copy(), n, quoted=True) for g, n in zip(groups, names, strict=True)],
            exp.alias_(exp.Window(this=exp.RowNumber(), partition_by=[g.copy() for g in groups], order=order),
                       "peer_rank", quoted=True),
            exp.alias_(exp.Window(this=exp.Count(this=exp.Star()), partition_by=[g.copy() for g in groups]),
                       "peer_n", quoted=True),
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
    # Each row judged (enough peers): the whole group's ranks of its peers' middle values.
    count = exp.Sub(this=qcol("peer_n", "b"), expression=exp.Literal.number(1))
    lo, hi = _half(qcol("peer_n", "b"), exp.Floor), _half(qcol("peer_n", "b"), exp.Ceil)
    positions = (
        exp.select(
            *[qcol(n, "b") for n in names],
            qcol("peer_rank", "b"),
            exp.alias_(count, "peer_count", quoted=True),
            exp.alias_(lo.copy(), "lo", quoted=True),
            exp.alias_(hi.copy(), "hi", quoted=True),
            exp.alias_(_shifted(lo.copy(), qcol("peer_rank", "b")), "lo_rank", quoted=True),
            exp.alias_(_shifted(hi.copy(), qcol("peer_rank", "b")), "hi_rank", quoted=True),
        )
        .from_(_table("peer_base", "b"))
        .where(exp.GTE(this=count.copy(), expression=builder.value(body.get("min_group_size", 5))))
    )
    medians = (
        exp.select(
            exp.Column(this=exp.Star(), table=ident("p")),
            exp.alias_(
                exp.Div(this=exp.Paren(this=exp.Add(this=qcol("peer_v", "v1"), expression=qcol("peer_v", "v2"))),
                        expression=exp.Literal.number(2)),
                "peer_median", quoted=True,
            ),
        )
        .from_(_table("peer_positions", "p"))
        .join(_table("peer_base", "v1"), on=exp.and_(*same_group("p", "v1"), _at("v1", "peer_rank", "p", "lo_rank")))
        .join(_table("peer_base", "v2"), on=exp.and_(*same_group("p", "v2"), _at("v2", "peer_rank", "p", "hi_rank")))
    )
    cases = exp.select(*[qcol(n, "m") for n in names], qcol("lo_rank", "m"), qcol("hi_rank", "m"),
                       qcol("peer_median", "m")).distinct().from_(_table("peer_medians", "m"))
    deviation = exp.Abs(this=exp.Sub(this=qcol("peer_v", "b"), expression=qcol("peer_median", "c")))
    case_keys = [*[qcol(n, "c") for n in names], qcol("lo_rank", "c"), qcol("hi_rank", "c")]
    deviations = (
        exp.select(
            *case_keys,
            qcol("peer_rank", "b"),
            exp.alias_(deviation.copy(), "d", quoted=True),
            exp.alias_(
                exp.Window(this=exp.RowNumber(), partition_by=[k.copy() for k in case_keys],
                           order=exp.Order(expressions=[exp.Ordered(this=deviation.copy()),
                                                        exp.Ordered(this=qcol("peer_rank", "b"))])),
                "d_rank", quoted=True,
            ),
        )
        .from_(_table("peer_cases", "c"))
        .join(_table("peer_base", "b"), on=exp.and_(*same_group("c", "b")))
    )

    def same_case(left: str, right: str) -> list[exp.Expression]:
        return same_group(left, right) + [exp.EQ(this=qcol(k, left), expression=qcol(k, right))
                                          for k in ("lo_rank", "hi_rank")]

    own = (  # each row's own place among its deviations, and the ranks of the others' middle deviations
        exp.select(
            exp.Column(this=exp.Star(), table=ident("m")),
            exp.alias_(_shifted(qcol("lo", "m"), qcol("d_rank", "o")), "lo_d_rank", quoted=True),
            exp.alias_(_shifted(qcol("hi", "m"), qcol("d_rank", "o")), "hi_d_rank", quoted=True),
        )
        .from_(_table("peer_medians", "m"))
        .join(_table("peer_deviations", "o"),
              on=exp.and_(*same_case("m", "o"), _at("o", "peer_rank", "m", "peer_rank")))
    )
    stats = (
        exp.select(
            *[qcol(n, "w") for n in names],
            qcol("peer_rank", "w"),
            qcol("peer_count", "w"),
            qcol("peer_median", "w"),
            exp.alias_(exp.Div(this=exp.Paren(this=exp.Add(this=qcol("d", "d1"), expression=qcol("d", "d2"))),
                               expression=exp.Literal.number(2)), "peer_mad", quoted=True),
        )
        .from_(_table("peer_own", "w"))
        .join(_table("peer_deviations", "d1"),
              on=exp.and_(*same_case("w", "d1"), _at("d1", "d_rank", "w", "lo_d_rank")))
        .join(_table("peer_deviations", "d2"),
              on=exp.and_(*same_case("w", "d2"), _at("d2", "d_rank", "w", "hi_d_rank")))
    )

    v = qcol("peer_v", src.alias)
    med, spread = qcol("peer_median", "st"), qcol("peer_mad", "st")
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
        .from_(_table("peer_base", src.alias))
        .join(_table("peer_stats", "st"),
              on=exp.and_(*same_group(src.alias, "st"),
                          exp.EQ(this=qcol("peer_rank", src.alias), expression=qcol("peer_rank", "st"))))
        .where(side)
        .with_("peer_base", as_=base)
        .with_("peer_positions", as_=positions)
        .with_("peer_medians", as_=medians)
        .with_("peer_cases", as_=cases)
        .with_("peer_deviations", as_=deviations)
        .with_("peer_own", as_=own)
        .with_("peer_stats", as_=stats)
    )
    computed = [
        ("value", v.copy()),
        ("peer_median", med.copy()),
        ("peer_mad", spread.copy()),
        ("peer_count", qcol("peer_count", "st")),
    ]
    return builder.finish(relation, src, computed)
