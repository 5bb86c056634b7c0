"""aggregate ``mode: peer_robust``: rows far from their peers by a robust, leave-one-out statistic.

Each row is compared with the *other* rows of its group (the row itself is left out, so one lenient case cannot
pull its own yardstick towards it): the peers' median and median absolute deviation (MAD). A row is a hit when at
least ``min_group_size`` peers remain and its value lies beyond the median by more than both ``k`` × 1.4826 × MAD
(1.4826 makes the MAD estimate a standard deviation under normality) and ``min_relative_deviation`` × |median| (a
floor: when most peers paid the same fine the MAD is 0 and any cent would otherwise count). ``direction`` picks
the side: ``low`` (lenient), ``high`` or ``both``.

On DuckDB the engine runs DuckDB's own MEDIAN and MAD windows over the others (EXCLUDE CURRENT ROW), see the
end of build_peer_robust; elsewhere the portable form below.

Portable and exact (the same doubles as a plain leave-one-out computation), with one window: on a check of a few
hundred rows each window, join or grouping is a fixed cost, and planning a long query costs more than running it.
The group's values are ranked 1..n (ROW_NUMBER, no PERCENTILE_CONT, whose syntax and interpolation differ by
engine) and counted. The others of the row ranked r are n − 1 values whose middle positions lo = ⌊n/2⌋ and
hi = ⌈n/2⌉ sit at ranks lo + [r ≤ lo] and hi + [r ≤ hi] of the whole group, so the peers' median takes one of
three values per group, from four rank-positioned values (one GROUP BY): case 0, r ≤ lo: (v[lo+1] + v[hi+1]) / 2;
case 1, lo < r ≤ hi (odd n, the middle row): (v[lo] + v[hi+1]) / 2; case 2, r > hi: (v[lo] + v[hi]) / 2.

The MAD needs the k-th smallest deviation d(k) from that median M, for k = lo, lo + 1, hi, hi + 1. The k values
nearest M are k consecutive ranks, so d(k) is the least, over the blocks of ranks [i, i + k − 1], of the block's
widest deviation GREATEST(M − v[i], v[i + k − 1] − M): an equality join on rank and a GROUP BY per case, no
ranking of deviations. With the row's own deviation d_r left out, the k-th of the others is d(k + 1) when
d_r ≤ d(k), else d(k) (a row tied with d(k) leaves d(k + 1) or an equal copy of d(k): the same value). Ties in
the values never matter either: rows of equal value are interchangeable, so which copy is left out is moot.
"""

from sqlglot import exp

from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable

MAD_TO_SIGMA = "1.4826"
# The four rank-positioned values a median of the others needs: (position column, step) for lo, lo+1, hi, hi+1.
ORDERS = {"lo": ("peer_lo", 0), "lo1": ("peer_lo", 1), "hi": ("peer_hi", 0), "hi1": ("peer_hi", 1)}


def _table(name: str, alias: str) -> exp.Table:
    return exp.Table(this=ident(name), alias=exp.TableAlias(this=ident(alias)))


def _int(number: int) -> exp.Literal:
    return exp.Literal.number(number)


def _plus(value: exp.Expression, number: int) -> exp.Expression:
    return exp.Add(this=value, expression=_int(number)) if number else value


def _half(count: exp.Expression, func: type[exp.Func]) -> exp.Expression:
    """⌊count / 2⌋ or ⌈count / 2⌉ as BIGINT (FLOOR/CEIL of an exact half: no integer division, spelt differently)."""
    return exp.cast(func(this=exp.Div(this=as_double(count), expression=_int(2))), exp.DataType.build("BIGINT"))


def _mean(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.Div(this=exp.Paren(this=exp.Add(this=a, expression=b)), expression=_int(2))


def build_peer_robust(builder: ModelBuilder, src, groups: list[exp.Column], value: exp.Expression) -> CompiledModel:
    body = builder.spec.body
    value = as_double(value)
    names = [f"peer_g{i}" for i in range(len(groups))]

    def same_group(left: str, right: str) -> exp.Expression:
        return exp.and_(*[exp.EQ(this=qcol(n, left), expression=qcol(n, right)) for n in names])

    # Ranks by value alone: rows of equal value are interchangeable (a row's peers are its group less one copy of
    # its value, whichever copy), so a tie broken differently in another reading changes nothing.
    count = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[g.copy() for g in groups])
    base = (
        exp.select(
            exp.Column(this=exp.Star(), table=ident(src.alias)),
            exp.alias_(value.copy(), "peer_v", quoted=True),
            *[exp.alias_(g.copy(), n, quoted=True) for g, n in zip(groups, names, strict=True)],
            exp.alias_(exp.Window(this=exp.RowNumber(), partition_by=[g.copy() for g in groups],
                                  order=exp.Order(expressions=[exp.Ordered(this=value.copy())])),
                       "peer_rank", quoted=True),
            exp.alias_(exp.Sub(this=count.copy(), expression=_int(1)), "peer_count", quoted=True),
            exp.alias_(_half(count.copy(), exp.Floor), "peer_lo", quoted=True),
            exp.alias_(_half(count.copy(), exp.Ceil), "peer_hi", quoted=True),
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

    # The values at ranks lo, lo + 1, hi, hi + 1 of each group judged (enough peers), then its three possible
    # medians of the others, one row per case.
    def ranked(order: str) -> exp.Expression:
        column, step = ORDERS[order]
        at = exp.EQ(this=qcol("peer_rank"), expression=_plus(qcol(column), step))
        return exp.alias_(exp.Max(this=exp.Case(ifs=[exp.If(this=at, true=qcol("peer_v"))])), f"peer_v_{order}",
                          quoted=True)

    middles = (
        exp.select(*[qcol(n) for n in names], *[ranked(order) for order in ORDERS])
        .from_(_table("peer_base", "b"))
        .where(exp.GTE(this=qcol("peer_count"), expression=builder.value(body.get("min_group_size", 5))))
        .group_by(*[qcol(n) for n in names])
    )
    medians = None
    for case, (x, y) in enumerate((("lo1", "hi1"), ("lo", "hi1"), ("lo", "hi"))):
        branch = exp.select(*[qcol(n) for n in names], exp.alias_(_int(case), "peer_case", quoted=True),
                            exp.alias_(_mean(qcol(f"peer_v_{x}"), qcol(f"peer_v_{y}")), "peer_median", quoted=True),
                            ).from_(_table("peer_middles", "m"))
        medians = branch if medians is None else exp.union(medians, branch, distinct=False)

    # d(k) around each median: the least widest deviation of the blocks of k consecutive ranks. Each block's first
    # row meets its last rows for the four k in one join (the last rows as one UNION ALL keyed by the first's rank:
    # one hash table where four joins would build four).
    ends = None
    for tag, (column, step) in enumerate(ORDERS.values()):
        start = _plus(exp.Sub(this=qcol("peer_rank", "e"), expression=qcol(column, "e")), 1 - step)
        branch = exp.select(*[qcol(n, "e") for n in names], exp.alias_(start, "peer_start", quoted=True),
                            exp.alias_(_int(tag), "peer_k", quoted=True), qcol("peer_v", "e")).from_(
            _table("peer_base", "e"))
        ends = branch if ends is None else exp.union(ends, branch, distinct=False)
    median = qcol("peer_median", "md")
    widest = exp.func("GREATEST", exp.Sub(this=median.copy(), expression=qcol("peer_v", "s")),
                      exp.Sub(this=qcol("peer_v", "e"), expression=median.copy()))
    keys = [*[qcol(n, "md") for n in names], qcol("peer_case", "md"), median.copy()]
    spreads = (
        exp.select(
            *keys,
            *[exp.alias_(exp.Min(this=exp.Case(ifs=[exp.If(this=exp.EQ(this=qcol("peer_k", "e"), expression=_int(tag)),
                                                           true=widest.copy())])), f"peer_d_{order}", quoted=True)
              for tag, order in enumerate(ORDERS)],
        )
        .from_(_table("peer_base", "s"))
        .join(_table("peer_medians", "md"), on=same_group("s", "md"))
        .join(_table("peer_ends", "e"), on=exp.and_(
            same_group("s", "e"), exp.EQ(this=qcol("peer_start", "e"), expression=qcol("peer_rank", "s"))))
        .group_by(*[k.copy() for k in keys])
    )

    # Each row against its own case: the peers' median, and their MAD as the others' middle deviations.
    rank, lo, hi = qcol("peer_rank", "b"), qcol("peer_lo", "b"), qcol("peer_hi", "b")
    case = exp.Case(
        ifs=[exp.If(this=exp.LTE(this=rank.copy(), expression=lo), true=_int(0)),
             exp.If(this=exp.LTE(this=rank.copy(), expression=hi), true=_int(1))],
        default=_int(2),
    )
    own_deviation = exp.Abs(this=exp.Sub(this=qcol("peer_v", "b"), expression=qcol("peer_median", "sp")))

    def others(order: str) -> exp.Expression:
        """The others' k-th deviation, k = lo or hi: one further on when the row's own is among the first k."""
        kth = qcol(f"peer_d_{order}", "sp")
        return exp.Case(ifs=[exp.If(this=exp.LTE(this=own_deviation.copy(), expression=kth.copy()),
                                    true=qcol(f"peer_d_{order}1", "sp"))], default=kth)

    stats = (
        exp.select(exp.Column(this=exp.Star(), table=ident("b")), qcol("peer_median", "sp"),
                   exp.alias_(_mean(others("lo"), others("hi")), "peer_mad", quoted=True))
        .from_(_table("peer_base", "b"))
        .join(_table("peer_spreads", "sp"), on=exp.and_(
            same_group("b", "sp"), exp.EQ(this=qcol("peer_case", "sp"), expression=case)))
    )

    v = qcol("peer_v", src.alias)
    med, spread = qcol("peer_median", src.alias), qcol("peer_mad", src.alias)
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
        .from_(_table("peer_stats", src.alias))
        .where(side)
        .with_("peer_base", as_=base)
        .with_("peer_middles", as_=middles)
        .with_("peer_medians", as_=medians)
        .with_("peer_ends", as_=ends)
        .with_("peer_spreads", as_=spreads)
        .with_("peer_stats", as_=stats)
    )
    computed = [
        ("value", v.copy()),
        ("peer_median", med.copy()),
        ("peer_mad", spread.copy()),
        ("peer_count", qcol("peer_count", src.alias)),
    ]
    compiled = builder.finish(relation.copy(), src, [(name, e.copy()) for name, e in computed])
    # DuckDB has the leave-one-out statistics built in (MEDIAN and MAD over the group, EXCLUDE CURRENT ROW): the
    # same doubles, from one window, planned in a fraction of the portable form's time (the run's largest part on
    # a check of a few hundred rows). The tests hold both forms to a plain leave-one-out computation.
    others_only = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="UNBOUNDED",
                                 end_side="FOLLOWING", exclude=exp.var("CURRENT ROW"))

    def over_others(func: exp.Expression) -> exp.Window:
        return exp.Window(this=func, partition_by=[g.copy() for g in groups], spec=others_only.copy())

    native_stats = base.copy().select(
        exp.Column(this=exp.Star(), table=ident(src.alias)),
        exp.alias_(value.copy(), "peer_v", quoted=True),
        exp.alias_(exp.Sub(this=count.copy(), expression=_int(1)), "peer_count", quoted=True),
        exp.alias_(over_others(exp.Median(this=value.copy())), "peer_median", quoted=True),
        exp.alias_(over_others(exp.func("MAD", value.copy())), "peer_mad", quoted=True),
        append=False,
    )
    enough = exp.GTE(this=qcol("peer_count", src.alias), expression=builder.value(body.get("min_group_size", 5)))
    native = (exp.select("1").from_(_table("peer_stats", src.alias)).where(exp.and_(enough, side.copy()))
              .with_("peer_stats", as_=native_stats))
    compiled.native["duckdb"] = builder.finish(native, src, computed).query
    return compiled
