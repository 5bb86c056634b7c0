"""dwell: stops (consecutive positions within a radius) longer than allowed, away from every registered place."""
from decimal import Decimal

from sqlglot import exp

from ..expressions import Source
from ..functions import distance_m, seconds_between
from ..spec import SpecError
from .base import CompiledModel, ModelBuilder, all_of, as_double, ident, qcol, qtable


class DwellBuilder(ModelBuilder):
    """Stops longer than allowed away from every registered place."""

    def build(self) -> CompiledModel:
        body, src = self.spec.body, self.main()
        if not self.spec.location:
            raise SpecError("spec.location：异常停留模型需要定位列（lng、lat）")
        where = "spec.dwell"
        part_names = body["partition_by"]
        parts = [self.column(src, c, where + ".partition_by") for c in part_names]
        ts = self.column(src, body["order_by"], where + ".order_by")
        lng = as_double(self.column(src, self.spec.location[0], "spec.location.lng"))
        lat = as_double(self.column(src, self.spec.location[1], "spec.location.lat"))
        order = exp.Order(expressions=[exp.Ordered(this=ts.copy())])

        def over(fn):
            return exp.Window(this=fn, partition_by=[p.copy() for p in parts], order=order.copy())

        s1 = (
            exp.select(
                *[exp.alias_(p.copy(), n, quoted=True) for p, n in zip(parts, part_names, strict=True)],
                exp.alias_(ts.copy(), "ts", quoted=True),
                exp.alias_(lng.copy(), "lng", quoted=True),
                exp.alias_(lat.copy(), "lat", quoted=True),
                exp.alias_(over(exp.Lag(this=lng.copy())), "prev_lng", quoted=True),
                exp.alias_(over(exp.Lag(this=lat.copy())), "prev_lat", quoted=True),
            )
            .from_(qtable(src.info.code, src.alias))
            .where(
                all_of(
                    self.main_filter(src),
                    *[exp.Not(this=exp.Is(this=x.copy(), expression=exp.Null())) for x in (ts, lng, lat)],
                )
            )
        )
        moved = exp.Case(
            ifs=[
                exp.If(
                    this=exp.or_(
                        exp.Is(this=qcol("prev_lng"), expression=exp.Null()),
                        exp.GT(
                            this=distance_m(qcol("prev_lng"), qcol("prev_lat"), qcol("lng"), qcol("lat")),
                            expression=self.value(body.get("stationary_radius_m", 50)),
                        ),
                    ),
                    true=exp.Literal.number(1),
                )
            ],
            default=exp.Literal.number(0),
        )
        s1_parts = [qcol(n) for n in part_names]
        running = exp.Window(
            this=exp.Sum(this=moved),
            partition_by=s1_parts,
            order=exp.Order(expressions=[exp.Ordered(this=qcol("ts"))]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
        )
        s2 = exp.select(
            *[qcol(n) for n in part_names],
            qcol("ts"),
            qcol("lng"),
            qcol("lat"),
            exp.alias_(running, "stop_no", quoted=True),
        ).from_(exp.Subquery(this=s1, alias=exp.TableAlias(this=ident("s1"))))
        duration = seconds_between(exp.Min(this=qcol("ts")), exp.Max(this=qcol("ts")))
        min_seconds = self.value(Decimal(str(body["min_minutes"])) * 60)
        s3 = (
            exp.select(
                *[qcol(n) for n in part_names],
                exp.alias_(exp.Min(this=qcol("ts")), "dwell_start", quoted=True),
                exp.alias_(exp.Max(this=qcol("ts")), "dwell_end", quoted=True),
                exp.alias_(duration.copy(), "dwell_seconds", quoted=True),
                exp.alias_(exp.Avg(this=qcol("lng")), "lng", quoted=True),
                exp.alias_(exp.Avg(this=qcol("lat")), "lat", quoted=True),
                exp.alias_(exp.Count(this=exp.Star()), "point_count", quoted=True),
            )
            .from_(exp.Subquery(this=s2, alias=exp.TableAlias(this=ident("s2"))))
            .group_by(*[qcol(n) for n in part_names], qcol("stop_no"))
            .having(exp.GT(this=duration, expression=min_seconds))
        )
        places_spec = body["places"]
        places = self.source(places_spec["dataset"], "pl", where + ".places.dataset")
        near = exp.LTE(
            this=distance_m(
                qcol("lng", "dw"),
                qcol("lat", "dw"),
                as_double(self.column(places, places_spec["lng"], where + ".places.lng")),
                as_double(self.column(places, places_spec["lat"], where + ".places.lat")),
            ),
            expression=self.value(places_spec["radius_m"]),
        )
        registered = exp.Exists(this=exp.select("1").from_(qtable(places.info.code, places.alias)).where(near))
        relation = (
            exp.select("1")
            .from_(exp.Subquery(this=self.with_nearest_place(s3, places, part_names), alias=exp.TableAlias(
                this=ident("dw"))))
            .where(exp.Not(this=registered))
        )
        out = Source("dw", src.info)
        computed = [
            (c, qcol(c, "dw")) for c in ("lng", "lat", "dwell_start", "dwell_end", "dwell_seconds", "point_count")
        ]
        return self.finish(relation, out, computed, output_names=set(part_names))

    def with_nearest_place(self, stops: exp.Select, places: Source, part_names: list[str]) -> exp.Select:
        """The stops with the nearest registered place's columns that the evidence names (``places.name``): the
        place a person checks first (the truck may have waited just outside the yard). Ranked by a window over a
        left join, not a nested correlated subquery, which Spark cannot resolve; a stop keeps its row with no
        place registered at all."""
        spec = self.spec.body["places"]
        prefix = places.info.code + "."
        wanted = [ref[len(prefix):] for ref in self.spec.evidence if ref.startswith(prefix)]
        if not wanted:
            return stops
        where = "spec.evidence"
        distance = distance_m(qcol("lng", "st"), qcol("lat", "st"),
                              as_double(self.column(places, spec["lng"], where)),
                              as_double(self.column(places, spec["lat"], where)))
        rank = exp.Window(this=exp.RowNumber(), partition_by=[qcol(n, "st") for n in (*part_names, "dwell_start")],
                          order=exp.Order(expressions=[exp.Ordered(this=distance)]))
        ranked = (
            exp.select(exp.Column(this=exp.Star(), table=ident("st")),
                       *[exp.alias_(self.column(places, n, where), f"nearest_{n}", quoted=True) for n in wanted],
                       exp.alias_(rank, "place_rank", quoted=True))
            .from_(exp.Subquery(this=stops, alias=exp.TableAlias(this=ident("st"))))
            .join(qtable(places.info.code, places.alias), on=exp.true(), join_type="left")
        )
        return exp.select(exp.Star()).from_(exp.Subquery(this=ranked, alias=exp.TableAlias(this=ident("rk")))).where(
            exp.EQ(this=qcol("place_rank"), expression=exp.Literal.number(1)))

    def other_evidence(self, other: Source, name: str, where: str) -> exp.Expression:
        """The nearest registered place's column, ranked beside each stop (``with_nearest_place``)."""
        self.column(other, name, where)  # a column the places data set has, or the spec's error
        return qcol(f"nearest_{name}", "dw")
