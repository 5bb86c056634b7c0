"""Domain §9 item 3: hazardous waste and phosphogypsum transport (manifests, weighbridge, GPS tracks, licences)."""
import datetime as dt
import math

from qingshan.datacheck.catalogue.duck import insert_rows

from ..city import CITY_CENTRE, DISTRICTS
from .base import Build, scaled


def transport(gen: Build) -> None:
    """Corridors, places, licences, manifests, weighings and GPS points; planted trips of twelve kinds (one a
    decoy: a single GPS jump that no model may find)."""
    rng = gen.rng
    cx, cy = CITY_CENTRE
    receivers = [("RC1", "江岸危险废物处置中心", "危险废物", (cx + 0.30, cy + 0.10)),
                 ("RC2", "高新区危废综合利用有限公司", "危险废物", (cx - 0.28, cy + 0.16)),
                 ("RC3", "沙洲磷石膏综合利用有限公司", "磷石膏", (cx + 0.40, cy - 0.08)),
                 ("RC4", "桃源磷石膏规范化堆场", "磷石膏", (cx - 0.38, cy - 0.18))]
    routes, points, places = [], [], []
    for r, (name, _, _, (lng, lat), _, _) in enumerate(DISTRICTS):
        code, rname, kind, (elng, elat) = receivers[r % 4]
        route_id = f"R{r + 1:02d}"
        routes.append((route_id, f"{name}—{rname}", 180))
        for s in range(5):
            f = s / 4
            points.append((route_id, s, round(lng + (elng - lng) * f, 6), round(lat + (elat - lat) * f, 6)))
        places.append((f"PS{r + 1:02d}", f"{name}产废单位", "产废单位", lng, lat))
        places.append((f"PA{r + 1:02d}", f"{name}线服务区", "服务区", round(lng + (elng - lng) / 2, 6),
                       round(lat + (elat - lat) / 2, 6)))
    for code, rname, _, (lng, lat) in receivers:
        places.append((code, rname, "接收单位", lng, lat))
    insert_rows(gen.con, "ds_transport_routes", routes)
    insert_rows(gen.con, "ds_route_points", points)
    insert_rows(gen.con, "ds_registered_places", places)
    year = gen.end.year
    licences = [(f"XK{i + 1:03d}", code, rname, kind, dt.date(year - 2, 1, 1), dt.date(year + 2, 12, 31))
                for i, (code, rname, kind, _) in enumerate(receivers)]
    # RC5's licence lapsed before the demo period: every manifest to it is unlicensed.
    licences.append(("XK099", "RC5", "临江磷石膏临时堆场", "磷石膏", dt.date(year - 4, 1, 1),
                     dt.date(year - 2, 6, 30)))
    insert_rows(gen.con, "ds_receiver_licences", licences)

    trucks = max(20, round(200 * gen.scale))
    n = max(60, round(1500 * gen.scale))
    # weight: in-weight 15 % short; noweigh: arrived, never weighed in; shrink: out and in each within 5 % of the
    # declared weight but 7 % apart; nogps: no position; onepoint: one position at departure; gap: a 40-minute
    # hole in a 150-minute trip; deviate: two positions 3 km off (10 minutes); jitter: one position 3 km off
    # (a GPS jump, found by no model); lost: tracked for an hour, never arrived, never weighed in.
    plans = ["weight", "noweigh", "shrink", "nogps", "onepoint", "gap", "deviate", "jitter", "dwell", "late", "lost",
             "unlicensed"]
    counts = {p: scaled(gen.scale, 4) for p in plans}
    chosen = rng.sample(range(n), sum(counts.values()))
    plan_of = {}
    for plan in plans:
        for _ in range(counts[plan]):
            plan_of[chosen.pop()] = plan
    plan_values = ", ".join(f"({j}, '{p}')" for j, p in plan_of.items())
    n_routes = len(DISTRICTS)
    receiver_case = " ".join(f"WHEN {r} THEN '{receivers[r % 4][0]}'" for r in range(n_routes))
    receiver_name = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name, *_ in receivers)
    gen.sql(f"""
        CREATE TEMP TABLE trips AS
        SELECT j.range AS j, 'LD' || lpad(j.range::VARCHAR, 7, '0') AS manifest_no,
               '皖R' || lpad((j.range % {trucks})::VARCHAR, 5, '0') AS plate,
               j.range % {n_routes} AS r, 'R' || lpad((j.range % {n_routes} + 1)::VARCHAR, 2, '0') AS route_id,
               coalesce(p.plan, 'ok') AS plan,
               (TIMESTAMP '{gen.end} 08:00' - INTERVAL ((j.range * 7) % 360) DAY
                   - INTERVAL (CASE WHEN p.plan = 'lost' THEN 2 ELSE 0 END) DAY
                   + INTERVAL ((j.range % 10) * 30) MINUTE) AS depart_at,
               CASE WHEN p.plan = 'late' THEN 200 WHEN p.plan = 'dwell' THEN 120 WHEN p.plan = 'gap' THEN 150
                    ELSE 60 + 10 * floor(10 * {gen.u('j.range', 21)})::INT END AS minutes,
               round(8 + 22 * {gen.u('j.range', 22)}, 2)::DECIMAL(18,6) AS declared
        FROM range({n}) j LEFT JOIN (VALUES {plan_values}) p(j, plan) ON p.j = j.range
    """)
    gen.sql(f"""
        INSERT INTO ds_transport_manifests
        SELECT manifest_no, CASE WHEN r % 4 < 2 THEN '危险废物' ELSE '磷石膏' END, plate,
               '青山市' || r || '号产废单位',
               CASE WHEN plan = 'unlicensed' THEN 'RC5' ELSE (CASE r {receiver_case} END) END,
               CASE WHEN plan = 'unlicensed' THEN '临江磷石膏临时堆场'
                    ELSE CASE (CASE r {receiver_case} END) {receiver_name} END END,
               declared, route_id, depart_at,
               CASE WHEN plan <> 'lost' THEN depart_at + INTERVAL (minutes) MINUTE END
        FROM trips
    """)
    # Unlicensed trips carry phosphogypsum (RC5's kind), whatever their route's usual load.
    gen.sql("UPDATE ds_transport_manifests SET waste_kind = '磷石膏' WHERE receiver_code = 'RC5'")
    gen.sql(f"""
        INSERT INTO ds_weighbridge_records
        SELECT manifest_no, plate,
               CASE WHEN plan = 'shrink' THEN declared * 1.045
                    ELSE declared * (1 + 0.02 * ({gen.u('j', 23)} - 0.5)) END,
               depart_at - INTERVAL 10 MINUTE,
               CASE WHEN plan = 'weight' THEN declared * 0.85 WHEN plan = 'shrink' THEN declared * 0.975
                    WHEN plan IN ('noweigh', 'lost') THEN NULL
                    ELSE declared * (1 + 0.03 * ({gen.u('j', 24)} - 0.5)) END,
               CASE WHEN plan NOT IN ('noweigh', 'lost') THEN depart_at + INTERVAL (minutes + 5) MINUTE END
        FROM trips
    """)
    # One point every 10 minutes along the straight corridor from start (seq 0) to end (seq 4). A planted
    # dwell holds the quarter point for 40 minutes (the corridor is > 25 km, so a quarter is kilometres from
    # any registered place); a planted deviation moves the middle point and the next 0.03° (≈ 3 km) sideways, a
    # jitter the middle point only. A lost trip reports for its first hour, a one-point trip at departure only,
    # a gap trip not at 60, 70 and 80 minutes.
    gen.sql("""
        INSERT INTO ds_gps_points
        WITH ends0 AS (
            SELECT route_id, max(CASE WHEN seq = 0 THEN lng END) AS lng0,
                   max(CASE WHEN seq = 0 THEN lat END) AS lat0,
                   max(CASE WHEN seq = 4 THEN lng END) AS lng1, max(CASE WHEN seq = 4 THEN lat END) AS lat1
            FROM ds_route_points GROUP BY route_id
        ), ends AS (
            SELECT *, sqrt((lng1 - lng0) ** 2 + (lat1 - lat0) ** 2) AS len FROM ends0
        ), steps AS (
            SELECT t.*, k.range AS k, minutes // 10 AS last FROM trips t, range(0, 21) k
            WHERE t.plan <> 'nogps' AND k.range <= t.minutes // 10
              AND NOT (t.plan = 'onepoint' AND k.range > 0) AND NOT (t.plan = 'lost' AND k.range > 6)
              AND NOT (t.plan = 'gap' AND k.range BETWEEN 6 AND 8)
        ), placed AS (
            SELECT s.*, CASE WHEN plan = 'dwell' THEN
                            CASE WHEN k <= 2 THEN k * 0.125 WHEN k <= 6 THEN 0.25
                                 ELSE 0.25 + (k - 6) * 0.75 / (last - 6) END
                        ELSE k::DOUBLE / last END AS f,
                   CASE WHEN plan IN ('deviate', 'jitter') AND k = last // 2 THEN 0.03
                        WHEN plan = 'deviate' AND k = last // 2 + 1 THEN 0.03 ELSE 0 END AS off
            FROM steps s
        )
        SELECT p.plate, p.depart_at + INTERVAL (p.k * 10) MINUTE,
               e.lng0 + (e.lng1 - e.lng0) * p.f - p.off * (e.lat1 - e.lat0) / e.len,
               e.lat0 + (e.lat1 - e.lat0) * p.f + p.off * (e.lng1 - e.lng0) / e.len,
               p.manifest_no, p.route_id
        FROM placed p JOIN ends e USING (route_id)
    """)
    _check_routes(points, places)
    gen.planted.update({
        "transport_weight_mismatch": counts["weight"] + counts["noweigh"] + counts["shrink"],
        "transport_no_positioning": counts["nogps"] + counts["onepoint"],
        "transport_track_gap": counts["onepoint"] + counts["gap"],
        "transport_route_deviation": counts["deviate"], "transport_dwell_unregistered": counts["dwell"],
        "transport_over_time": counts["late"] + counts["lost"], "transport_receiver_unlicensed": counts["unlicensed"],
    })


def _check_routes(points, places) -> None:
    # The planted dwell (a quarter along) must lie > 300 m from every registered place, and every route be
    # long enough that 10-minute steps move more than the 100 m stationary radius.
    by_route: dict[str, list] = {}
    for route_id, _, lng, lat in points:
        by_route.setdefault(route_id, []).append((lng, lat))

    def metres(a, b):
        x = math.radians(b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
        return 6371008.8 * math.hypot(x, math.radians(b[1] - a[1]))

    for route in by_route.values():
        assert metres(route[0], route[-1]) > 10_000, "demo corridor too short"
        quarter = route[1]
        assert all(metres(quarter, (p[3], p[4])) > 1_000 for p in places), "dwell point near a place"
