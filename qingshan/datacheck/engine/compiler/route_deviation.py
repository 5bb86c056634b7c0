"""route_deviation: positions farther from their corridor (a polyline per key) than the allowed distance."""
from decimal import Decimal

from sqlglot import exp

from ..expressions import Source
from ..functions import EARTH_RADIUS_M
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
        # Evidence from the corridor data set: its rows for the position's key (the route's name, its operator).
        self.evidence_condition = self.join_on(src, ref, corridor["join"], where + ".join")
        relation = (
            exp.select("1")
            .from_(qtable(src.info.code, src.alias))
            .where(
                all_of(
                    self.main_filter(src),
                    exp.Not(this=exp.Is(this=p_lng.copy(), expression=exp.Null())),
                    exp.Not(this=exp.Is(this=p_lat.copy(), expression=exp.Null())),
                    has_corridor,
                    exp.Not(this=on_route),
                )
            )
        )
        return self.finish(relation, src, [])

    def other_evidence(self, other: Source, name: str, where: str) -> exp.Expression:
        return self.matching_value(other, name, where, self.evidence_condition.copy())
