"""The 27 catalogue models for ``bench_models.py --catalogue``: their data and a hand-written DuckDB baseline each.

Data: the demo city's catalogue data sets (``qingshan.demo.catalogue_data``) generated at a bench scale into one
DuckDB file. The programme indicators (8 fixed units) cannot grow with the scale, so that step runs at scale ≤ 10.

Baselines (``hand_sql``), what a DuckDB user would write for the same check, hits written unsorted:
  * engine kinds (threshold, duplicate, mismatch, missing_in_other, time_gap, aggregate, route_deviation, dwell):
    idiomatic DuckDB (SEMI/ANTI JOIN, QUALIFY, windows with EXCLUDE CURRENT ROW, ``mad``/``median``, ``arg_min``),
    written in ``HAND`` below. Calls of the standards' functions (``gb3838_class``, ``hj633_aqi_daily``,
    ``distance_m``) are expanded by the engine's function registry: the same arithmetic for both sides, since
    writing GB 3838 or HJ 633 again by hand would only measure a different formula.
  * ``custom_sql`` models: the check *is* hand-written SQL; the baseline is the model's own SQL with its data-set
    names resolved (``compile_custom_sql``). The ratio is then what the engine adds around it: the subject key and
    label, the sort by subject, the subjects table.
"""

import datetime as dt
import random
import re
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from qingshan.datacheck.catalogue import catalog_infos, catalogue_models
from qingshan.datacheck.engine.expressions import compile_custom_sql
from qingshan.datacheck.engine.functions import EARTH_RADIUS_M, get_function

# Corridor tolerance of transport_route_deviation (500 m) in degrees of latitude, squared (local plane).
_DEG = 500 / (EARTH_RADIUS_M * 3.14159265358979323846 / 180)

HAND = {
    "water_worse_than_target": """
        SELECT * FROM (
          SELECT r.*, s.name, s.water_body, s.target_class,
                 gb3838_class(r.item, r.concentration, s.water_body, r.below_dl) AS cls
          FROM ds_water_readings r JOIN ds_water_sections s ON s.code = r.section_code
          WHERE r.item NOT IN ('tn', 'fecal_coliform')) t
        WHERE cls > target_class""",
    "air_aqi_above_level": """
        SELECT * FROM (SELECT *, hj633_aqi_daily(day, so2_24h, no2_24h, co_24h, o3_1h, o3_8h, pm10_24h, pm25_24h)
                                 AS aqi FROM ds_air_daily) t
        WHERE aqi > 200""",
    "transport_route_deviation": f"""
        WITH seg AS (
          SELECT route_id, lng AS a_lng, lat AS a_lat, COALESCE(lead(lng) OVER w, lng) AS b_lng,
                 COALESCE(lead(lat) OVER w, lat) AS b_lat
          FROM ds_route_points WHERE lng IS NOT NULL AND lat IS NOT NULL
          WINDOW w AS (PARTITION BY route_id ORDER BY seq)
        ), pts AS (
          SELECT g.*, row_number() OVER () AS rid FROM ds_gps_points g
          SEMI JOIN (SELECT DISTINCT route_id FROM ds_route_points) r ON r.route_id = g.route_id
          WHERE g.manifest_no IS NOT NULL AND g.lng IS NOT NULL AND g.lat IS NOT NULL AND g.ts IS NOT NULL
        ), near AS (
          SELECT DISTINCT rid FROM (
            SELECT p.rid, cos(radians(p.lat)) AS c, (s.a_lng - p.lng) * c AS ax, s.a_lat - p.lat AS ay,
                   (s.b_lng - s.a_lng) * c AS dx, s.b_lat - s.a_lat AS dy, dx * dx + dy * dy AS dd,
                   CASE WHEN dd = 0 THEN 0 ELSE least(1, greatest(0, -(ax * dx + ay * dy) / dd)) END AS t
            FROM pts p JOIN seg s ON s.route_id = p.route_id)
          WHERE (ax + t * dx) * (ax + t * dx) + (ay + t * dy) * (ay + t * dy) <= {_DEG * _DEG!r}
        ), flagged AS (
          SELECT p.*, n.rid IS NULL AS off,
                 row_number() OVER (PARTITION BY p.manifest_no ORDER BY p.ts)
                 - row_number() OVER (PARTITION BY p.manifest_no, n.rid IS NULL ORDER BY p.ts) AS run_no
          FROM pts p LEFT JOIN near n ON n.rid = p.rid
        )
        SELECT * FROM (
          SELECT *, count(*) OVER r AS run_points, min(ts) OVER r AS run_start, max(ts) OVER r AS run_end
          FROM flagged WHERE off WINDOW r AS (PARTITION BY manifest_no, run_no))
        WHERE run_points >= 2 AND epoch(run_end) - epoch(run_start) >= 600""",
    "transport_dwell_unregistered": """
        WITH p AS (
          SELECT manifest_no, ts, lng, lat, lag(lng) OVER w AS plng, lag(lat) OVER w AS plat
          FROM ds_gps_points
          WHERE manifest_no IS NOT NULL AND ts IS NOT NULL AND lng IS NOT NULL AND lat IS NOT NULL
          WINDOW w AS (PARTITION BY manifest_no ORDER BY ts)
        ), s AS (
          SELECT *, sum(CASE WHEN plng IS NULL OR distance_m(plng, plat, lng, lat) > 100 THEN 1 ELSE 0 END)
                      OVER (PARTITION BY manifest_no ORDER BY ts ROWS UNBOUNDED PRECEDING) AS stop_no
          FROM p
        ), stops AS (
          SELECT manifest_no, min(ts) AS dwell_start, max(ts) AS dwell_end, avg(lng) AS lng, avg(lat) AS lat,
                 count(*) AS point_count
          FROM s GROUP BY manifest_no, stop_no HAVING epoch(max(ts)) - epoch(min(ts)) > 1800
        )
        SELECT st.manifest_no, st.dwell_start, st.dwell_end, st.lng, st.lat, st.point_count,
               arg_min(pl.name, distance_m(st.lng, st.lat, pl.lng, pl.lat)) AS nearest_place
        FROM stops st, ds_registered_places pl
        GROUP BY st.manifest_no, st.dwell_start, st.dwell_end, st.lng, st.lat, st.point_count
        HAVING min(distance_m(st.lng, st.lat, pl.lng, pl.lat)) > 300""",
    "transport_receiver_unlicensed": """
        SELECT m.* FROM ds_transport_manifests m ANTI JOIN ds_receiver_licences l
          ON l.receiver_code = m.receiver_code AND l.waste_kind = m.waste_kind
         AND l.valid_from <= CAST(m.depart_at AS DATE) AND l.valid_to >= CAST(m.depart_at AS DATE)""",
    "subsidy_after_death": """
        SELECT s.*, d.died_on FROM ds_subsidy_rolls s JOIN ds_death_registry d
          ON d.id_number = s.id_number AND d.died_on < s.paid_on""",
    "subsidy_duplicate_id": """
        SELECT * FROM ds_subsidy_rolls
        WHERE programme IS NOT NULL AND period IS NOT NULL AND id_number IS NOT NULL
        QUALIFY count(*) OVER (PARTITION BY programme, period, id_number, parcel_no) > 1""",
    "subsidy_duplicate_parcel": """
        SELECT * FROM ds_subsidy_rolls
        WHERE programme IS NOT NULL AND period IS NOT NULL AND parcel_no IS NOT NULL
        QUALIFY count(*) OVER (PARTITION BY programme, period, parcel_no) > 1""",
    "penalty_outside_band": """
        SELECT *, greatest(band_min - fine, fine - band_max) AS excess FROM ds_penalty_decisions
        WHERE greatest(band_min - fine, fine - band_max) > 0""",
    "penalty_peer_disparity": """
        SELECT * FROM (
          SELECT *, count(*) OVER w - 1 AS peer_count,
                 median(CAST(fine AS DOUBLE)) OVER (PARTITION BY violation_type, article, band_min, band_max
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS peer_median,
                 mad(CAST(fine AS DOUBLE)) OVER (PARTITION BY violation_type, article, band_min, band_max
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS peer_mad
          FROM ds_penalty_decisions
          WHERE fine IS NOT NULL AND violation_type IS NOT NULL AND article IS NOT NULL AND band_min IS NOT NULL
            AND band_max IS NOT NULL
          WINDOW w AS (PARTITION BY violation_type, article, band_min, band_max))
        WHERE peer_count >= 5 AND fine < peer_median - greatest(3 * 1.4826 * peer_mad, 0.3 * abs(peer_median))""",
    "penalty_repeat": """
        SELECT *, lag(decided_on, 2) OVER (PARTITION BY firm_code, violation_type ORDER BY decided_on) AS previous_at
        FROM ds_penalty_decisions
        WHERE firm_code IS NOT NULL AND violation_type IS NOT NULL AND decided_on IS NOT NULL
        QUALIFY decided_on - previous_at < 366""",
    "reported_vs_monitored": """
        SELECT r.*, m.value AS monitored, m.source FROM ds_reported_indicators r
        JOIN ds_monitored_indicators m USING (unit_code, indicator, period)
        WHERE abs(r.value - m.value) > 0 AND abs(r.value - m.value) > 0.05 * abs(m.value)""",
    "process_step_late": """
        SELECT *, done_on - due_on AS days_late FROM ds_problem_steps WHERE done_on > due_on""",
    "waste_manifest_not_received": """
        SELECT * FROM (SELECT *, (epoch(COALESCE(received_at, extracted_at)) - epoch(shipped_at)) / 86400 AS days
                       FROM ds_waste_manifests) t
        WHERE days > 3""",
    "waste_receiver_unlicensed": """
        SELECT w.* FROM ds_waste_manifests w ANTI JOIN ds_waste_licences l
          ON l.receiver_code = w.receiver_code AND l.waste_code = w.waste_code
         AND l.valid_from <= CAST(w.shipped_at AS DATE) AND l.valid_to >= CAST(w.shipped_at AS DATE)""",
    "waste_vehicle_not_at_receiver": """
        SELECT w.* FROM ds_waste_manifests w ANTI JOIN ds_gps_points g
          ON g.plate = w.plate AND g.ts >= w.shipped_at AND g.ts <= w.received_at
         AND distance_m(g.lng, g.lat, w.receiver_lng, w.receiver_lat) <= 1000
        WHERE w.received_at IS NOT NULL AND w.receiver_lng IS NOT NULL AND w.receiver_lat IS NOT NULL""",
}

_REGISTERED = re.compile(r"\b(gb3838_class|hj633_aqi_daily|distance_m)\s*\(")


def _expand_registered(sql: str) -> str:
    """Replace the standards' function calls by the registry's SQL; the rest of the text is left as written."""
    if not _REGISTERED.search(sql):
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and get_function(node.name):
            return get_function(node.name).builder([a.copy() for a in node.expressions])
        return node

    return tree.transform(replace).sql(dialect="duckdb")


def hand_sql(code: str) -> str:
    """The hand-written DuckDB baseline of one catalogue model (see the module docstring)."""
    if code in HAND:
        return _expand_registered(HAND[code])
    model = next(m for m in catalogue_models() if m.code == code)
    spec = yaml.safe_load(model.spec_text)
    if spec["kind"] != "custom_sql":
        raise KeyError(f"no hand baseline for {code}")
    query, _ = compile_custom_sql(spec["custom_sql"]["sql"], catalog=catalog_infos())
    return query.sql(dialect="duckdb")


def generate_catalogue(path: Path, scale: float) -> dict[str, int]:
    """Every catalogue data set of the demo city at ``scale`` in a fresh DuckDB file; rows per data set."""
    import duckdb

    from qingshan.datacheck.catalogue.duck import create_tables
    from qingshan.demo.catalogue_data import air, indicators, penalties, steps, subsidy, transport, waste, water
    from qingshan.demo.catalogue_data.base import Build

    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    create_tables(con)
    end = dt.date(2026, 11, 30)
    gen = Build(con, random.Random(7), end, scale)
    for step in (water, air, transport, subsidy, penalties, steps, waste):
        step(gen)
    indicators(Build(con, random.Random(7), end, min(scale, 10)))  # 8 fixed units: planted pairs ≤ their rows
    counts = {code: con.execute(f'SELECT count(*) FROM "ds_{code}"').fetchone()[0] for code in catalog_infos()}
    con.execute("CHECKPOINT")
    con.close()
    return counts


# pandas: the same check after reading the columns it needs (what an analyst would otherwise do); each returns its
# hit rows as a DataFrame holding at least the model's subject columns (the bench counts them with ``len`` and, for
# the like-for-like variant, writes them into the runs file as the hand same-output query does). Not written, and
# why:
#   water_worse_than_target, air_aqi_above_level, air_hourly_heavy_episode — the check is the standard's piecewise
#     function (GB 3838 classes, HJ 633 IAQI); in pandas that is the standard re-implemented, not a comparison;
#   transport_route_deviation, transport_dwell_unregistered, waste_vehicle_not_at_receiver — point-to-polyline and
#     point-to-point distances over every position of the same plate or route (a cross merge of millions of rows);
#   transport_no_positioning, transport_track_gap, penalty_peer_disparity — per-trip track coverage and a
#     leave-one-out median and MAD have no vectorised pandas form (a Python loop per trip or per case).
NOT_PANDAS = (
    "water_worse_than_target", "air_aqi_above_level", "air_hourly_heavy_episode", "transport_route_deviation",
    "transport_dwell_unregistered", "waste_vehicle_not_at_receiver", "transport_no_positioning",
    "transport_track_gap", "penalty_peer_disparity",
)


def _outside_band(read):
    p = read("penalty_decisions", ["decision_no", "fine", "band_min", "band_max"])
    return p[(p.band_min - p.fine > 0) | (p.fine - p.band_max > 0)]


def _repeat(read):
    p = read("penalty_decisions", ["firm_code", "violation_type", "decided_on"]).dropna()
    p = p.sort_values(["firm_code", "violation_type", "decided_on"])
    before = p.groupby(["firm_code", "violation_type"]).decided_on.shift(2)
    return p[(p.decided_on - before).dt.days < 366]


def _late(read):
    s = read("problem_steps", ["problem_number", "due_on", "done_on"])
    return s[s.done_on > s.due_on]


def _reported(read):
    keys = ["unit_code", "indicator", "period"]
    j = read("reported_indicators", [*keys, "value"]).merge(read("monitored_indicators", [*keys, "value"]), on=keys)
    d = (j.value_x - j.value_y).abs()
    return j[(d > 0) & (d > 0.05 * j.value_y.abs())]


def _after_death(read):
    j = read("subsidy_rolls", ["id_number", "paid_on"]).merge(read("death_registry", ["id_number", "died_on"]))
    return j[j.died_on < j.paid_on]


def _duplicates(keys, optional=()):
    def check(read):
        s = read("subsidy_rolls", [*keys, *optional]).dropna(subset=list(keys))
        return s[s.duplicated(subset=[*keys, *optional], keep=False)]

    return check


def _unlicensed(manifests, licences, kind, at, subject="manifest_no"):
    def check(read):
        m = read(manifests, [subject, "receiver_code", kind, at]).reset_index()
        m["day"] = m[at].dt.normalize()
        lic = read(licences, ["receiver_code", kind, "valid_from", "valid_to"])
        j = m.merge(lic, on=["receiver_code", kind])
        valid = j[(j.valid_from <= j.day) & (j.valid_to >= j.day)]["index"].unique()
        return m[~m["index"].isin(valid)]

    return check


def _not_received(read):
    w = read("waste_manifests", ["manifest_no", "shipped_at", "received_at", "extracted_at"])
    days = (w.received_at.fillna(w.extracted_at) - w.shipped_at).dt.total_seconds() / 86400
    return w[days > 3]


def _programmes(read):
    p = read("subsidy_programmes", ["programme", "means_tested", "discretionary"])
    return p[p.means_tested.fillna(False).astype(bool) | p.discretionary.fillna(False).astype(bool)].programme


def _to_officials(read):
    s = read("subsidy_rolls", ["id_number", "programme"])
    s = s[s.programme.isin(_programmes(read))]
    return s.merge(read("officials", ["id_number"]))


def _to_relatives(read):
    s = read("subsidy_rolls", ["id_number", "programme"])
    s = s[s.programme.isin(_programmes(read))]
    r = read("official_relatives", ["relative_id_number"]).rename(columns={"relative_id_number": "id_number"})
    return s.merge(r)


def _ineligible(read):
    import pandas as pd

    assets = pd.concat([
        read("vehicle_registry", ["id_number"]).assign(w=2),
        read("business_registry", ["id_number"]).assign(w=2),
        read("property_registry", ["id_number"]).assign(w=1),
    ])
    score = assets.groupby("id_number").w.sum()
    owners = score[score >= 2].index
    s = read("subsidy_rolls", ["id_number", "programme"])
    return s[(s.programme == "最低生活保障") & s.id_number.isin(owners)]


_ORDER = {"交办": 1, "签收": 2, "回复": 3, "审核": 4, "销号": 5}


def _out_of_order(read):
    s = read("problem_steps", ["problem_number", "step", "done_on"]).dropna(subset=["done_on"])
    s["seq"] = s.step.map(_ORDER)
    j = s.merge(s, on="problem_number", suffixes=("", "_e"))
    return j[(j.seq_e < j.seq) & (j.done_on_e > j.done_on)]


def _missing(read):
    import pandas as pd

    s = read("problem_steps", ["problem_number", "step", "due_on", "done_on", "extracted_on"])
    s["seq"] = s.step.map(_ORDER)
    last = s[s.done_on.notna()].groupby("problem_number").seq.max().rename("last_seq")
    problems = pd.DataFrame({"problem_number": s.problem_number.unique()}).merge(
        last, left_on="problem_number", right_index=True, how="left")
    expected = problems.merge(pd.DataFrame({"step": list(_ORDER), "seq": list(_ORDER.values())}), how="cross")
    j = expected.merge(s.drop(columns="seq"), on=["problem_number", "step"], how="left")
    return j[j.done_on.isna() & ((j.seq < j.last_seq) | (j.due_on < j.extracted_on))]


def _over_time(read):
    m = read("transport_manifests", ["manifest_no", "route_id", "depart_at", "arrive_at"])
    until = max(m.depart_at.max(), m.arrive_at.max())
    j = m.merge(read("transport_routes", ["route_id", "max_minutes"]), on="route_id")
    elapsed = (j.arrive_at.fillna(until) - j.depart_at).dt.total_seconds()
    return j[elapsed > 60 * j.max_minutes]


def _weights(read):
    j = read("transport_manifests", ["manifest_no", "arrive_at", "declared_weight_t"]).merge(
        read("weighbridge_records", ["manifest_no", "out_weight_t", "in_weight_t"]), on="manifest_no", how="left")
    j = j.astype({c: "float64" for c in ("declared_weight_t", "out_weight_t", "in_weight_t")})

    def off(a, b):
        d = (a - b).abs()
        return (d > 0.5) & (d > 0.05 * b.abs())

    never_in = j.arrive_at.notna() & j.in_weight_t.isna()
    hit = never_in | off(j.in_weight_t, j.declared_weight_t) | off(j.out_weight_t, j.declared_weight_t)
    return j[hit | off(j.in_weight_t, j.out_weight_t)]


def _mass_balance(read):
    w = read("waste_manifests", ["producer_code", "shipped_at", "shipped_weight_t", "received_weight_t",
                                 "disposed_weight_t"]).astype(
        {"shipped_weight_t": "float64", "received_weight_t": "float64", "disposed_weight_t": "float64"})
    w["period"] = w.shipped_at.dt.year * 100 + w.shipped_at.dt.month
    w["sent_received"] = w.shipped_weight_t.where(w.received_weight_t.notna(), 0)
    w["received_disposed"] = w.received_weight_t.where(w.disposed_weight_t.notna(), 0)
    moved = w.groupby(["producer_code", "period"]).agg(
        transferred=("shipped_weight_t", "sum"), sent_received=("sent_received", "sum"),
        received=("received_weight_t", "sum"), received_disposed=("received_disposed", "sum"),
        disposed=("disposed_weight_t", "sum")).reset_index()
    g = read("waste_generation", ["producer_code", "period", "stock_start_t", "produced_t", "stock_end_t"]).astype(
        {"stock_start_t": "float64", "produced_t": "float64", "stock_end_t": "float64"})
    ledger = g.groupby(["producer_code", "period"]).sum().reset_index()
    b = ledger.merge(moved, on=["producer_code", "period"], how="left").fillna(0)

    def off(gap, base):
        return (gap.abs() > 0.1) & (gap.abs() > 0.05 * base)

    ledger_gap = b.stock_start_t + b.produced_t - b.transferred - b.stock_end_t
    hit = off(ledger_gap, b[["produced_t", "transferred"]].max(axis=1))
    hit |= off(b.sent_received - b.received, b.sent_received)
    return b[hit | off(b.received_disposed - b.disposed, b.received_disposed)]


PANDAS = {
    "penalty_outside_band": _outside_band,
    "penalty_repeat": _repeat,
    "process_step_late": _late,
    "process_step_missing": _missing,
    "process_step_out_of_order": _out_of_order,
    "reported_vs_monitored": _reported,
    "subsidy_after_death": _after_death,
    "subsidy_duplicate_id": _duplicates(("programme", "period", "id_number"), ("parcel_no",)),
    "subsidy_duplicate_parcel": _duplicates(("programme", "period", "parcel_no")),
    "subsidy_to_officials": _to_officials,
    "subsidy_to_relatives": _to_relatives,
    "subsidy_ineligible": _ineligible,
    "transport_receiver_unlicensed": _unlicensed("transport_manifests", "receiver_licences", "waste_kind",
                                                 "depart_at"),
    "transport_over_time": _over_time,
    "transport_weight_mismatch": _weights,
    "waste_receiver_unlicensed": _unlicensed("waste_manifests", "waste_licences", "waste_code", "shipped_at"),
    "waste_manifest_not_received": _not_received,
    "waste_mass_balance": _mass_balance,
}
