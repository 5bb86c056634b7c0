"""route_deviation: positions farther from their corridor (a polyline per key) than the allowed distance."""
from decimal import Decimal

from sqlglot import exp

from ..expressions import Source
from ..functions import EARTH_RADIUS_M, seconds_between
from ..spec import SpecError
from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable

METRES_PER_DEGREE = Decimal(str(EARTH_RADIUS_M)) * Decimal("3.14159265358979323846") / 180


class RouteDeviationBuilder(ModelBuilder):
    """Positions farther than allowed from every segment of their corridor."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        if not self.spec.location:
            raise SpecError("spec.location：偏离路线模型需要定位列（lng、lat）")
        corridor = body["corridor"]
        ref = self.source(corridor["dataset"], "ref", "spec.route_deviation.corridor.dataset")
        where = "spec.route_deviation.corridor"
        ref_keys = [self.column(ref, c, where + ".join") for c in corridor["join"].values()]
        r_lng, r_lat = self.column(ref, corridor["lng"], where), self.column(ref, corridor["lat"], where)
        order = exp.Order(expressions=[exp.Ordered(this=self.column(ref, corridor["order_by"], where))])

        def lead(c):
            return exp.func(
                "COALESCE",
                exp.Window(this=exp.Lead(this=c.copy()), partition_by=[k.copy() for k in ref_keys], order=order.copy()),
                c.copy(),
            )

        segments = (
            exp.select(
                *[exp.alias_(k.copy(), f"k{i}", quoted=True) for i, k in enumerate(ref_keys)],
                exp.alias_(as_double(r_lng.copy()), "a_lng", quoted=True),
                exp.alias_(as_double(r_lat.copy()), "a_lat", quoted=True),
                exp.alias_(as_double(lead(r_lng)), "b_lng", quoted=True),
                exp.alias_(as_double(lead(r_lat)), "b_lat", quoted=True),
            )
            .from_(qtable(ref.info.code, ref.alias))
            .where(
                exp.and_(
                    exp.Not(this=exp.Is(this=r_lng.copy(), expression=exp.Null())),
                    exp.Not(this=exp.Is(this=r_lat.copy(), expression=exp.Null())),
                )
            )
        )
        p_lng = as_double(self.column(src, self.spec.location[0], "spec.location.lng"))
        p_lat = as_double(self.column(src, self.spec.location[1], "spec.location.lat"))

        def seg(name):
            return qcol(name, "seg")

        # Local plane around the point, in degrees of latitude: x scaled by cos(lat) (equirectangular).
        cos_lat = exp.func("COS", exp.func("RADIANS", p_lat.copy()))
        ax = exp.paren(
            exp.Mul(this=exp.paren(exp.Sub(this=seg("a_lng"), expression=p_lng.copy())), expression=cos_lat.copy())
        )
        ay = exp.paren(exp.Sub(this=seg("a_lat"), expression=p_lat.copy()))
        bx = exp.paren(
            exp.Mul(this=exp.paren(exp.Sub(this=seg("b_lng"), expression=p_lng.copy())), expression=cos_lat.copy())
        )
        by = exp.paren(exp.Sub(this=seg("b_lat"), expression=p_lat.copy()))
        dx = exp.paren(exp.Sub(this=bx, expression=ax.copy()))
        dy = exp.paren(exp.Sub(this=by, expression=ay.copy()))
        dd = exp.paren(
            exp.Add(
                this=exp.Mul(this=dx.copy(), expression=dx.copy()),
                expression=exp.Mul(this=dy.copy(), expression=dy.copy()),
            )
        )
        dot = exp.paren(
            exp.Add(
                this=exp.Mul(this=ax.copy(), expression=dx.copy()),
                expression=exp.Mul(this=ay.copy(), expression=dy.copy()),
            )
        )
        t = exp.Case(
            ifs=[exp.If(this=exp.EQ(this=dd.copy(), expression=exp.Literal.number(0)), true=exp.Literal.number(0))],
            default=exp.func(
                "LEAST",
                exp.Literal.number(1),
                exp.func("GREATEST", exp.Literal.number(0), exp.Div(this=exp.Neg(this=dot), expression=dd.copy())),
            ),
        )
        t = exp.paren(t)
        cx = exp.paren(exp.Add(this=ax.copy(), expression=exp.Mul(this=t.copy(), expression=dx.copy())))
        cy = exp.paren(exp.Add(this=ay.copy(), expression=exp.Mul(this=t.copy(), expression=dy.copy())))
        dist2 = exp.Add(this=exp.Mul(this=cx.copy(), expression=cx), expression=exp.Mul(this=cy.copy(), expression=cy))
        limit_deg = Decimal(str(body["max_distance_m"])) / METRES_PER_DEGREE
        near = exp.LTE(this=dist2, expression=as_double(self.value(limit_deg * limit_deg)))
        key_match = [
            exp.EQ(this=self.column(src, scol, where + ".join"), expression=qcol(f"k{i}", "seg"))
            for i, scol in enumerate(corridor["join"].keys())
        ]
        has_corridor = exp.Exists(
            this=exp.select("1")
            .from_(qtable(ref.info.code, "ref2"))
            .where(
                exp.and_(
                    *[
                        exp.EQ(this=self.column(src, scol, where + ".join"), expression=qcol(rcol, "ref2"))
                        for scol, rcol in corridor["join"].items()
                    ]
                )
            )
        )
        on_route = exp.Exists(
            this=exp.select("1")
            .from_(exp.Subquery(this=segments, alias=exp.TableAlias(this=ident("seg"))))
            .where(exp.and_(*key_match, near))
        )
        # Evidence from the corridor data set: its rows for the position's key (the route's name, its operator),
        # one grouped join per key (``corridor_evidence``), this correlated form only when the keys' types differ.
        self.evidence_condition = self.join_on(src, ref, corridor["join"], where + ".join")
        self.corridor = (ref, corridor["join"])
        judged = [
            self.main_filter(src),
            exp.Not(this=exp.Is(this=p_lng.copy(), expression=exp.Null())),
            exp.Not(this=exp.Is(this=p_lat.copy(), expression=exp.Null())),
            has_corridor,
        ]
        if "sustained" in body:
            # Nearness depends only on the position's key and coordinates: the distinct ones near a segment, found
            # once by a join, flag every judged position through an outer join on those values.
            point = [self.column(src, scol, where + ".join") for scol in corridor["join"]]
            point += [self.column(src, c, "spec.location") for c in self.spec.location]
            # The corridor's existence (the last test) is implied by the join to its segments.
            near_points = self.near_points(src, point, segments, len(key_match), judged[:-1], p_lng, p_lat, limit_deg)
            return self.sustained(src, body["sustained"], judged, point, near_points)
        relation = (
            exp.select("1")
            .from_(qtable(src.info.code, src.alias))
            .where(all_of(*judged, exp.Not(this=on_route)))
        )
        return self.finish(self.corridor_evidence(relation, src), src, [])

    def corridor_evidence(self, relation: exp.Select, src: Source) -> exp.Select:
        """``relation`` joined to the corridor data set's evidence columns per key (``evidence_by_key``)."""
        ref, join = self.corridor
        return self.evidence_by_key(relation, src, ref, join, "spec.route_deviation.corridor.join")

    def near_points(self, src: Source, point, segments, key_count, judged, p_lng, p_lat, limit_deg) -> exp.Select:
        """The distinct (key, lng, lat) of judged positions within the allowed distance of a segment of their
        corridor: positions joined to their segments, the point-to-segment distance computed in layers (each
        term once: the one-expression form of the EXISTS test repeats them, ~20× slower on DuckDB for 85,000
        pairs)."""
        names = [f"p{i}" for i in range(len(point))]

        def passed(alias: str) -> list[exp.Expression]:
            return [qcol(n, alias) for n in names]

        def layer(select: exp.Select, alias: str) -> exp.Subquery:
            return exp.Subquery(this=select, alias=exp.TableAlias(this=ident(alias)))

        def sub(a, b):
            return exp.paren(exp.Sub(this=a, expression=b))

        def add(a, b):
            return exp.paren(exp.Add(this=a, expression=b))

        def mul(a, b):
            return exp.Mul(this=a, expression=b)

        # Each position's coordinates cast and its cos(lat) once, before the join multiplies it by its segments.
        points = (
            exp.select(
                *[exp.alias_(c.copy(), n, quoted=True) for c, n in zip(point, names, strict=True)],
                exp.alias_(p_lng.copy(), "x", quoted=True),
                exp.alias_(p_lat.copy(), "y", quoted=True),
                exp.alias_(exp.func("COS", exp.func("RADIANS", p_lat.copy())), "cos_y", quoted=True),
            )
            .from_(qtable(src.info.code, src.alias))
            .where(all_of(*[c.copy() for c in judged if c is not None]))
        )
        x, y, cos_lat = qcol("x", "pt"), qcol("y", "pt"), qcol("cos_y", "pt")
        ax = mul(sub(qcol("a_lng", "seg"), x.copy()), cos_lat.copy())
        bx = mul(sub(qcol("b_lng", "seg"), x.copy()), cos_lat.copy())
        pairs = (
            exp.select(
                *passed("pt"),
                exp.alias_(ax.copy(), "ax", quoted=True),
                exp.alias_(sub(qcol("a_lat", "seg"), y.copy()), "ay", quoted=True),
                exp.alias_(sub(exp.paren(bx), exp.paren(ax)), "dx", quoted=True),
                exp.alias_(sub(sub(qcol("b_lat", "seg"), y.copy()), sub(qcol("a_lat", "seg"), y.copy())), "dy",
                           quoted=True),
            )
            .from_(layer(points, "pt"))
            .join(
                layer(segments.copy(), "seg"),
                on=exp.and_(
                    *[exp.EQ(this=qcol(f"p{i}", "pt"), expression=qcol(f"k{i}", "seg")) for i in range(key_count)]
                ),
                join_type="inner",
            )
        )

        def c(name, alias="d"):
            return qcol(name, alias)

        products = exp.select(
            *passed("d"), c("ax"), c("ay"), c("dx"), c("dy"),
            exp.alias_(add(mul(c("dx"), c("dx")), mul(c("dy"), c("dy"))), "dd", quoted=True),
            exp.alias_(add(mul(c("ax"), c("dx")), mul(c("ay"), c("dy"))), "dot", quoted=True),
        ).from_(layer(pairs, "d"))
        t = exp.Case(
            ifs=[exp.If(this=exp.EQ(this=c("dd"), expression=exp.Literal.number(0)), true=exp.Literal.number(0))],
            default=exp.func(
                "LEAST", exp.Literal.number(1),
                exp.func("GREATEST", exp.Literal.number(0), exp.Div(this=exp.Neg(this=c("dot")), expression=c("dd"))),
            ),
        )
        projected = exp.select(*passed("d"), c("ax"), c("ay"), c("dx"), c("dy"), exp.alias_(t, "t", quoted=True)) \
            .from_(layer(products, "d"))
        cx = add(c("ax"), mul(c("t"), c("dx")))
        cy = add(c("ay"), mul(c("t"), c("dy")))
        dist2 = exp.Add(this=mul(cx, cx.copy()), expression=mul(cy, cy.copy()))
        near = exp.LTE(this=dist2, expression=as_double(self.value(limit_deg * limit_deg)))
        return exp.select(*passed("d")).distinct().from_(layer(projected, "d")).where(near)

    def sustained(self, src: Source, options, judged, point, near_points) -> CompiledModel:
        """Only runs of consecutive off-corridor positions (in ``order_by`` order within ``partition_by``) with at
        least ``min_points`` positions spanning at least ``min_minutes`` from the first to the last: one noisy
        position between positions on the corridor is not a deviation.

        Gaps and islands: each judged position is flagged off (1) or on (0) the corridor — off when its key and
        coordinates are not among ``near_points`` (a ``LEFT JOIN`` on them, one row per distinct point, so no
        position repeats; Spark takes EXISTS only in a filter, and testing EXISTS and NOT EXISTS in two branches
        measured every position against its corridor twice) — and a run is the positions sharing
        ``ROW_NUMBER() OVER (partition) - ROW_NUMBER() OVER (partition, off)``."""
        where = "spec.route_deviation.sustained"
        parts = [self.column(src, c, where + ".partition_by") for c in options["partition_by"]]
        order = self.column(src, options["order_by"], where + ".order_by")
        star = exp.Column(this=exp.Star(), table=ident(src.alias))
        off_route = exp.Case(
            ifs=[exp.If(this=exp.Is(this=qcol("p0", "np"), expression=exp.Null()), true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        positions = (
            exp.select(star.copy(), exp.alias_(off_route, "off_route", quoted=True))
            .from_(qtable(src.info.code, src.alias))
            .join(
                exp.Subquery(this=near_points, alias=exp.TableAlias(this=ident("np"))),
                on=exp.and_(*[exp.EQ(this=c.copy(), expression=qcol(f"p{i}", "np")) for i, c in enumerate(point)]),
                join_type="left",
            )
            .where(all_of(*[c.copy() if c is not None else None for c in judged],
                          exp.Not(this=exp.Is(this=order.copy(), expression=exp.Null()))))
        )

        def window(func, extra=()):
            return exp.Window(
                this=func,
                partition_by=[p.copy() for p in parts] + list(extra),
                order=exp.Order(expressions=[exp.Ordered(this=order.copy())]),
            )

        off = qcol("off_route", src.alias)
        numbered = exp.select(
            star.copy(),
            exp.alias_(
                exp.Sub(this=window(exp.RowNumber()), expression=window(exp.RowNumber(), [off.copy()])),
                "run_no", quoted=True,
            ),
        ).from_(exp.Subquery(this=positions, alias=exp.TableAlias(this=ident(src.alias))))
        run = [p.copy() for p in parts] + [off.copy(), qcol("run_no", src.alias)]

        def over_run(func):
            return exp.Window(this=func, partition_by=[c.copy() for c in run])

        runs = exp.select(
            star.copy(),
            exp.alias_(over_run(exp.Count(this=exp.Star())), "run_points", quoted=True),
            exp.alias_(over_run(exp.Min(this=order.copy())), "run_start", quoted=True),
            exp.alias_(over_run(exp.Max(this=order.copy())), "run_end", quoted=True),
        ).from_(exp.Subquery(this=numbered, alias=exp.TableAlias(this=ident(src.alias))))
        run_start, run_end = qcol("run_start", src.alias), qcol("run_end", src.alias)
        run_seconds = seconds_between(run_start.copy(), run_end.copy())
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=runs, alias=exp.TableAlias(this=ident(src.alias))))
            .where(
                exp.and_(
                    exp.EQ(this=off.copy(), expression=exp.Literal.number(1)),
                    exp.GTE(this=qcol("run_points", src.alias), expression=self.value(options.get("min_points", 1))),
                    exp.GTE(this=run_seconds.copy(),
                            expression=self.value(Decimal(str(options.get("min_minutes", 0))) * 60)),
                )
            )
        )
        minutes = exp.Div(this=as_double(run_seconds), expression=exp.Literal.number(60))
        computed = [("run_points", qcol("run_points", src.alias)), ("run_start", run_start), ("run_end", run_end),
                    ("run_minutes", minutes)]
        return self.finish(self.corridor_evidence(relation, src), src, computed)

    def other_evidence(self, other: Source, name: str, where: str) -> exp.Expression:
        return self.matching_value(other, name, where, self.evidence_condition.copy())
