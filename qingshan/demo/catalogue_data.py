"""The demo city's data for every catalogue model, with planted anomalies whose number per model is returned.

``generate(target, *, rng, end, scale=1.0)`` builds every catalogue data set in DuckDB: the big tables (water
readings, daily air readings, GPS tracks, subsidy rolls, problem steps) with ``range()`` and hash-based pseudo-random
numbers seeded from ``rng`` (deterministic, no Python loop per row), the small reference tables from Python.
Base data is clean by construction (e.g. every clean water value is class Ⅰ, every trip stays on its corridor and
keeps moving, every (firm, violation) pair occurs once); each planted anomaly is made to hit exactly one model
subject, so the returned counts are what each model must find.

``target`` is either a DuckDB connection (the ``ds_<code>`` tables are created in it) or a callable
``loader(code, relation)`` that stores one data set from a DuckDB relation — e.g. ``django_loader()``, which goes
through ``qingshan.datasets.services.dataset_load_rows``.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from decimal import Decimal

import duckdb

from qingshan.datacheck.catalogue import dataset_schema_files, dataset_specs
from qingshan.datacheck.catalogue.duck import create_tables, insert_rows
from qingshan.datacheck.catalogue.standards import WATER_ITEMS

from .city import CITY_CENTRE, DISTRICTS

WATER_ITEMS_SAMPLED = ("ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")
PROGRAMME = "耕地地力保护补贴"
WELFARE = "最低生活保障"
VIOLATIONS = [  # violation type, article, band min, band max (yuan)
    ("超标排放大气污染物", "《大气污染防治法》第九十九条", 100000, 1000000),
    ("未批先建", "《环境影响评价法》第三十一条", 50000, 500000),
    ("危险废物贮存不规范", "《固体废物污染环境防治法》第一百一十二条", 100000, 1000000),
    ("逃避监管排放水污染物", "《水污染防治法》第八十三条", 100000, 1000000),
    ("未按规定开展自行监测", "《排污许可管理条例》第三十六条", 20000, 200000),
]
INDICATORS = ("pm25_avg", "good_days_ratio", "water_good_ratio", "coal_reduction")
STEPS = (("交办", 0, 0), ("签收", 1, 1), ("回复", 15, 12), ("审核", 20, 18))  # step, due after, done after


class PlantedCounts(dict):
    """Model code -> number of subjects the model must find in the generated data; `.rows` per data set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: dict[str, int] = {}


def _k(scale: float, base: int) -> int:
    return max(2, round(base * scale))


class _Gen:
    def __init__(self, con, rng: random.Random, end: dt.date, scale: float):
        self.con, self.rng, self.end, self.scale = con, rng, end, scale
        self.seed = rng.randrange(1, 2**31)
        self.planted = PlantedCounts()

    def u(self, expr: str, salt: int) -> str:
        """A uniform [0, 1) number from a hash of `expr` (deterministic for the seed, any thread order)."""
        return f"((hash({expr}, {self.seed}, {salt}) % 1000003)::DOUBLE / 1000003)"

    def sql(self, text: str, params=None) -> None:
        self.con.execute(text, params or [])

    # -- 1. water ----------------------------------------------------------------------------------------------
    def water(self) -> None:
        rng = self.rng
        n = max(10, round(60 * self.scale))
        sections = []
        for i in range(n):
            name, _, _, (lng, lat), _, _ = DISTRICTS[i % len(DISTRICTS)]
            body = "lake" if i % 6 == 5 else "river"
            sections.append((f"WS{i + 1:03d}", f"{name}{'湖库' if body == 'lake' else ''}{i + 1}号断面", body,
                             rng.choice((2, 3, 3, 3, 4)), name, round(lng + rng.uniform(-0.08, 0.08), 5),
                             round(lat + rng.uniform(-0.06, 0.06), 5)))
        insert_rows(self.con, "ds_water_sections", sections)
        limits = ", ".join(f"('{item}', {WATER_ITEMS[item].limits[0]})" for item in WATER_ITEMS_SAMPLED)
        start = self.end.replace(day=1)
        # Monthly samples for a year; every clean value is class Ⅰ (upper items at 30–90 % of the Ⅰ limit, DO above
        # 7.5, pH 6.5–8.5), so only planted values can be worse than any target. A tenth are 未检出 at the Ⅰ limit.
        self.sql(f"""
            INSERT INTO ds_water_readings
            SELECT s.code, (DATE '{start}' - INTERVAL (m.range) MONTH + INTERVAL 4 DAY)::DATE, i.item,
                   CASE WHEN i.item = 'do' THEN 7.6 + 2 * {self.u('s.code, m.range, i.item', 1)}
                        WHEN i.item = 'ph' THEN 6.5 + 2 * {self.u('s.code, m.range, i.item', 1)}
                        WHEN i.item = 'tn' THEN 0.3 + 2 * {self.u('s.code, m.range, i.item', 1)}
                        WHEN {self.u('s.code, m.range, i.item', 2)} < 0.1 THEN i.limit1
                        ELSE i.limit1 * (0.3 + 0.6 * {self.u('s.code, m.range, i.item', 1)}) END::DECIMAL(18,6),
                   i.item NOT IN ('do', 'ph', 'tn') AND {self.u('s.code, m.range, i.item', 2)} < 0.1
            FROM ds_water_sections s, range(12) m, (VALUES {limits}) i(item, limit1)
        """)
        planted = rng.sample(sections, _k(self.scale, 6))
        for code, _, _, target, *_ in planted:
            # NH3-N exactly on the limit of the class below the target (inclusive: that worse class).
            value = WATER_ITEMS["nh3n"].limits[target]
            month = (start - dt.timedelta(days=rng.randrange(0, 330))).replace(day=5)
            self.sql("DELETE FROM ds_water_readings WHERE section_code = ? AND sampled_on = ? AND item = 'nh3n'",
                     [code, month])
            insert_rows(self.con, "ds_water_readings", [(code, month, "nh3n", value, False)])
        self.planted["water_worse_than_target"] = len(planted)

    # -- 2. air ------------------------------------------------------------------------------------------------
    def air(self) -> None:
        rng = self.rng
        n = max(6, round(20 * self.scale))
        stations = []
        for i in range(n):
            name, _, _, (lng, lat), towns, _ = DISTRICTS[i % len(DISTRICTS)]
            stations.append((f"AS{i + 1:02d}", f"{towns[i % len(towns)]}站", name,
                             round(lng + rng.uniform(-0.03, 0.03), 5), round(lat + rng.uniform(-0.03, 0.03), 5)))
        insert_rows(self.con, "ds_air_stations", stations)

        def conc(lo: float, hi: float, salt: int, places: int = 0) -> str:
            return f"round({lo} + {hi - lo} * {self.u('s.code, d.range', salt)}, {places})::DECIMAL(18,6)"

        # Clean days stay well inside 良 (AQI ≤ 100 under both versions); 3 % of values are missing.
        self.sql(f"""
            INSERT INTO ds_air_daily
            SELECT s.code, (DATE '{self.end}' - INTERVAL (d.range) DAY)::DATE,
                   {conc(4, 30, 11)}, {conc(8, 60, 12)}, {conc(0.3, 1.5, 13, 1)}, {conc(40, 180, 14)},
                   {conc(30, 150, 15)}, {conc(20, 100, 16)},
                   CASE WHEN {self.u('s.code, d.range', 17)} < 0.03 THEN NULL ELSE {conc(8, 50, 18)} END
            FROM ds_air_stations s, range(365) d
        """)
        # The last week hour by hour (no model reads it yet; it feeds the station pages and custom models).
        self.sql(f"""
            INSERT INTO ds_air_hourly
            SELECT s.code, TIMESTAMP '{self.end}' - INTERVAL (h.range) HOUR,
                   {conc(4, 40, 31)}, {conc(8, 90, 32)}, {conc(0.3, 2.0, 33, 1)}, {conc(20, 190, 34)},
                   {conc(30, 150, 35)}, {conc(20, 120, 36)}, {conc(8, 70, 37)}
            FROM ds_air_stations s, range(168) h
        """.replace("d.range", "h.range"))
        planted = rng.sample(stations, _k(self.scale, 3))
        for code, *_ in planted:
            # PM2.5 180 µg/m³: IAQI 230 under 2012 and 2026 alike -> AQI > 200.
            day = self.end - dt.timedelta(days=rng.randrange(0, 365))
            self.sql("UPDATE ds_air_daily SET pm25_24h = 180 WHERE station_code = ? AND day = ?", [code, day])
        self.planted["air_aqi_above_level"] = len(planted)

    # -- 3. transport ------------------------------------------------------------------------------------------
    def transport(self) -> None:
        rng = self.rng
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
        insert_rows(self.con, "ds_transport_routes", routes)
        insert_rows(self.con, "ds_route_points", points)
        insert_rows(self.con, "ds_registered_places", places)
        year = self.end.year
        licences = [(f"XK{i + 1:03d}", code, rname, kind, dt.date(year - 2, 1, 1), dt.date(year + 2, 12, 31))
                    for i, (code, rname, kind, _) in enumerate(receivers)]
        # RC5's licence lapsed before the demo period: every manifest to it is unlicensed.
        licences.append(("XK099", "RC5", "临江磷石膏临时堆场", "磷石膏", dt.date(year - 4, 1, 1),
                         dt.date(year - 2, 6, 30)))
        insert_rows(self.con, "ds_receiver_licences", licences)

        trucks = max(20, round(200 * self.scale))
        n = max(60, round(1500 * self.scale))
        plans = ["weight", "nogps", "deviate", "dwell", "late", "unlicensed"]
        counts = {p: _k(self.scale, 4) for p in plans}
        chosen = rng.sample(range(n), sum(counts.values()))
        plan_of = {}
        for plan in plans:
            for _ in range(counts[plan]):
                plan_of[chosen.pop()] = plan
        plan_values = ", ".join(f"({j}, '{p}')" for j, p in plan_of.items())
        n_routes = len(DISTRICTS)
        receiver_case = " ".join(f"WHEN {r} THEN '{receivers[r % 4][0]}'" for r in range(n_routes))
        receiver_name = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name, *_ in receivers)
        self.sql(f"""
            CREATE TEMP TABLE trips AS
            SELECT j.range AS j, 'LD' || lpad(j.range::VARCHAR, 7, '0') AS manifest_no,
                   '皖R' || lpad((j.range % {trucks})::VARCHAR, 5, '0') AS plate,
                   j.range % {n_routes} AS r, 'R' || lpad((j.range % {n_routes} + 1)::VARCHAR, 2, '0') AS route_id,
                   coalesce(p.plan, 'ok') AS plan,
                   (TIMESTAMP '{self.end} 08:00' - INTERVAL ((j.range * 7) % 360) DAY
                       + INTERVAL ((j.range % 10) * 30) MINUTE) AS depart_at,
                   CASE WHEN p.plan = 'late' THEN 200 WHEN p.plan = 'dwell' THEN 120
                        ELSE 60 + 10 * floor(10 * {self.u('j.range', 21)})::INT END AS minutes,
                   round(8 + 22 * {self.u('j.range', 22)}, 2)::DECIMAL(18,6) AS declared
            FROM range({n}) j LEFT JOIN (VALUES {plan_values}) p(j, plan) ON p.j = j.range
        """)
        self.sql(f"""
            INSERT INTO ds_transport_manifests
            SELECT manifest_no, CASE WHEN r % 4 < 2 THEN '危险废物' ELSE '磷石膏' END, plate,
                   '青山市' || r || '号产废单位',
                   CASE WHEN plan = 'unlicensed' THEN 'RC5' ELSE (CASE r {receiver_case} END) END,
                   CASE WHEN plan = 'unlicensed' THEN '临江磷石膏临时堆场'
                        ELSE CASE (CASE r {receiver_case} END) {receiver_name} END END,
                   declared, route_id, depart_at, depart_at + INTERVAL (minutes) MINUTE
            FROM trips
        """)
        # Unlicensed trips carry phosphogypsum (RC5's kind), whatever their route's usual load.
        self.sql("UPDATE ds_transport_manifests SET waste_kind = '磷石膏' WHERE receiver_code = 'RC5'")
        self.sql(f"""
            INSERT INTO ds_weighbridge_records
            SELECT manifest_no, plate, declared * (1 + 0.02 * ({self.u('j', 23)} - 0.5)),
                   depart_at - INTERVAL 10 MINUTE,
                   CASE WHEN plan = 'weight' THEN declared * 0.85
                        ELSE declared * (1 + 0.03 * ({self.u('j', 24)} - 0.5)) END,
                   depart_at + INTERVAL (minutes + 5) MINUTE
            FROM trips
        """)
        # One point every 10 minutes along the straight corridor from start (seq 0) to end (seq 4). A planted
        # dwell holds the quarter point for 40 minutes (the corridor is > 25 km, so a quarter is kilometres from
        # any registered place); a planted deviation moves the middle point 0.03° (≈ 3 km) sideways.
        self.sql("""
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
            ), placed AS (
                SELECT s.*, CASE WHEN plan = 'dwell' THEN
                                CASE WHEN k <= 2 THEN k * 0.125 WHEN k <= 6 THEN 0.25
                                     ELSE 0.25 + (k - 6) * 0.75 / (last - 6) END
                            ELSE k::DOUBLE / last END AS f,
                       CASE WHEN plan = 'deviate' AND k = last // 2 THEN 0.03 ELSE 0 END AS off
                FROM steps s
            )
            SELECT p.plate, p.depart_at + INTERVAL (p.k * 10) MINUTE,
                   e.lng0 + (e.lng1 - e.lng0) * p.f - p.off * (e.lat1 - e.lat0) / e.len,
                   e.lat0 + (e.lat1 - e.lat0) * p.f + p.off * (e.lng1 - e.lng0) / e.len,
                   p.manifest_no, p.route_id
            FROM placed p JOIN ends e USING (route_id)
        """)
        self._check_routes(points, places)
        self.planted.update({
            "transport_weight_mismatch": counts["weight"], "transport_no_positioning": counts["nogps"],
            "transport_route_deviation": counts["deviate"], "transport_dwell_unregistered": counts["dwell"],
            "transport_over_time": counts["late"], "transport_receiver_unlicensed": counts["unlicensed"],
        })

    @staticmethod
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

    # -- 4. subsidy --------------------------------------------------------------------------------------------
    def subsidy(self) -> None:
        rng = self.rng
        n = max(200, round(8000 * self.scale))
        year = self.end.year
        towns = [town for *_, district_towns, _ in DISTRICTS for town in district_towns]
        town_case = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(towns))
        self.sql(f"""
            CREATE TEMP TABLE persons AS
            SELECT p.range AS i, '339900' || (19500101 + (p.range % 50) * 10000 + (p.range % 12) * 100
                   + p.range % 28)::VARCHAR || lpad((p.range % 10000)::VARCHAR, 4, '0') AS id_number,
                   '村民' || p.range AS name, CASE p.range % {len(towns)} {town_case} END AS town,
                   p.range % 10 = 0 AS welfare
            FROM range({n}) p
        """)
        # Everybody is paid the arable-land subsidy once for their own parcel; a tenth also receive 低保.
        self.sql(f"""
            INSERT INTO ds_subsidy_rolls
            SELECT 'FF' || lpad(i::VARCHAR, 8, '0'), '{PROGRAMME}', '{year}', id_number, name, town,
                   'DK' || lpad(i::VARCHAR, 7, '0'), (300 + 5 * (i % 100))::DECIMAL(18,6),
                   DATE '{year}-03-10' + INTERVAL (i % 60) DAY
            FROM persons
            UNION ALL
            SELECT 'DB' || lpad(i::VARCHAR, 8, '0'), '{WELFARE}', '{year}', id_number, name, town, NULL,
                   780::DECIMAL(18,6), DATE '{year}-01-15' + INTERVAL (i % 20) DAY
            FROM persons WHERE welfare
        """)
        # Registries: people outside the rolls, plus assets of roll members not on 低保 (who may own anything).
        self.sql(f"""
            INSERT INTO ds_death_registry
            SELECT '339911' || (19300101 + r.range % 20 * 10000)::VARCHAR || lpad(r.range::VARCHAR, 4, '0'),
                   '逝者' || r.range, DATE '{year - 1}-01-01' + INTERVAL (r.range % 700) DAY
            FROM range({max(20, n // 20)}) r
        """)
        self.sql(f"""
            INSERT INTO ds_officials
            SELECT '339912' || (19700101 + r.range % 20 * 10000)::VARCHAR || lpad(r.range::VARCHAR, 4, '0'),
                   '干部' || r.range, '青山市某局', '科员' FROM range({max(20, n // 40)}) r
        """)
        self.sql("""
            INSERT INTO ds_official_relatives
            SELECT o.id_number, '339913' || (19990101 + r.range % 20 * 10000)::VARCHAR
                   || lpad((o.rn * 2 + r.range)::VARCHAR, 4, '0'), '亲属', '子女'
            FROM (SELECT id_number, row_number() OVER (ORDER BY id_number) AS rn FROM ds_officials) o, range(2) r
        """)
        self.sql("""
            INSERT INTO ds_property_registry
            SELECT 'BDC' || lpad(i::VARCHAR, 8, '0') || r.range, id_number, '住宅', 90
            FROM persons, range(2) r WHERE NOT welfare AND (r.range = 0 OR i % 3 = 0)
        """)
        self.sql("""
            INSERT INTO ds_property_registry
            SELECT 'BDC' || lpad(i::VARCHAR, 8, '0') || 'W', id_number, '住宅', 60
            FROM persons WHERE welfare AND i % 20 = 0
        """)
        self.sql("""
            INSERT INTO ds_vehicle_registry
            SELECT '皖R' || lpad(i::VARCHAR, 6, '0'), id_number, '小型轿车' FROM persons WHERE NOT welfare AND i % 4 = 1
        """)
        self.sql("""
            INSERT INTO ds_business_registry
            SELECT '91339900' || lpad(i::VARCHAR, 10, '0'), '青山某商贸' || i, id_number, '法定代表人'
            FROM persons WHERE NOT welfare AND i % 9 = 2
        """)
        people = self.con.execute("SELECT i, id_number, name, town, welfare FROM persons ORDER BY i").fetchall()
        plain = [p for p in people if not p[4]]
        welfare = [p for p in people if p[4]]
        k = _k(self.scale, 5)
        picked = rng.sample(plain, 5 * k)
        dead, officials, relatives, dup_ids, dup_parcels = (picked[i * k:(i + 1) * k] for i in range(5))
        insert_rows(self.con, "ds_death_registry",
                    [(p[1], p[2], dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 60))) for p in dead])
        insert_rows(self.con, "ds_officials", [(p[1], p[2], "青山市某局", "科员") for p in officials])
        some_official = self.con.execute("SELECT min(id_number) FROM ds_officials").fetchone()[0]
        insert_rows(self.con, "ds_official_relatives", [(some_official, p[1], p[2], "兄弟姐妹") for p in relatives])
        insert_rows(self.con, "ds_subsidy_rolls", [
            (f"FX{p[0]:08d}", PROGRAMME, str(year), p[1], p[2], p[3], f"DKX{p[0]:06d}", Decimal("300"),
             dt.date(year, 6, 1)) for p in dup_ids])
        insert_rows(self.con, "ds_subsidy_rolls", [
            (f"FY{p[0]:08d}", PROGRAMME, str(year), f"339914{20000101 + j:08d}{j:04d}", f"外来申领人{j}", p[3],
             f"DK{p[0]:07d}", Decimal("300"), dt.date(year, 6, 1)) for j, p in enumerate(dup_parcels)])
        owners = rng.sample(welfare, k)
        insert_rows(self.con, "ds_vehicle_registry", [(f"皖RX{p[0]:05d}", p[1], "小型越野车") for p in owners])
        self.planted.update({
            "subsidy_after_death": k, "subsidy_to_officials": k, "subsidy_to_relatives": k,
            "subsidy_duplicate_id": k, "subsidy_duplicate_parcel": k, "subsidy_ineligible": k,
        })

    # -- 5. penalties ------------------------------------------------------------------------------------------
    def penalties(self) -> None:
        rng = self.rng
        n = max(100, round(600 * self.scale))
        firms = n // len(VIOLATIONS) + 1  # each (firm, violation) pair at most once in the clean data
        rows = []
        for j in range(n):
            vtype, article, lo, hi = VIOLATIONS[(j // firms) % len(VIOLATIONS)]
            firm = j % firms
            fine = round(lo + (hi - lo) * rng.uniform(0.3, 0.5), -2)
            rows.append([f"青环罚〔{self.end.year - 1}〕{j + 1}号", f"91339900MA{firm:07d}", f"青山企业{firm}号",
                         DISTRICTS[firm % len(DISTRICTS)][0], vtype, article, Decimal(fine), Decimal(lo),
                         Decimal(hi), self.end - dt.timedelta(days=rng.randrange(1, 700))])
        k = _k(self.scale, 3)
        # Outliers spread over the violation types, at most a few per peer group: each inflates its group's
        # standard deviation, and a group of mostly outliers would no longer single them out.
        by_type: dict[int, list[int]] = {}
        for j in range(n):
            by_type.setdefault((j // firms) % len(VIOLATIONS), []).append(j)
        pools = [rng.sample(rows_of, len(rows_of)) for rows_of in by_type.values()]
        picked = [pools[i % len(pools)].pop() for i in range(2 * k)]
        for j in picked[:k]:  # below the discretion band (and so far below the peers)
            rows[j][6] = rows[j][7] * Decimal("0.8")
        for j in picked[k:]:  # inside the band, at its very bottom: far below the peers' 30–50 %
            rows[j][6] = rows[j][7]
        repeat = rng.sample([j for j in range(n) if j not in picked], k)
        for j in repeat:  # two more decisions for the same firm and violation: three in all
            for extra in (1, 2):
                row = list(rows[j])
                row[0] = f"{row[0][:-1]}-{extra}号"
                row[6] = Decimal(round(row[7] + (row[8] - row[7]) * Decimal("0.4"), -2))
                row[9] = row[9] - dt.timedelta(days=40 * extra)
                rows.append(row)
        insert_rows(self.con, "ds_penalty_decisions", rows)
        self.planted.update({"penalty_outside_band": k, "penalty_peer_disparity": 2 * k, "penalty_repeat": k})

    # -- 6. reported vs monitored ------------------------------------------------------------------------------
    def indicators(self) -> None:
        rng = self.rng
        units = [(f"U{i + 1:02d}", name) for i, (name, *_) in enumerate(DISTRICTS)]
        reported, monitored = [], []
        periods = [str(self.end.year - y) for y in (3, 2, 1)]
        for code, name in units:
            for indicator in INDICATORS:
                for period in periods:
                    value = Decimal(str(round(rng.uniform(20, 95), 2)))
                    monitored.append((code, indicator, period, value, "生态环境监测站"))
                    reported.append([code, name, indicator, period,
                                     (value * Decimal(str(1 + rng.uniform(-0.02, 0.02)))).quantize(Decimal("0.01"))])
        k = _k(self.scale, 3)
        pairs = rng.sample(range(0, len(reported), len(periods)), k)  # distinct (unit, indicator) pairs
        for j in pairs:
            reported[j][4] = (monitored[j][3] * Decimal("1.2")).quantize(Decimal("0.01"))
        insert_rows(self.con, "ds_reported_indicators", reported)
        insert_rows(self.con, "ds_monitored_indicators", monitored)
        self.planted["reported_vs_monitored"] = k

    # -- 7. problem steps --------------------------------------------------------------------------------------
    def steps(self) -> None:
        n = max(100, round(2000 * self.scale))
        steps = " UNION ALL ".join(f"SELECT {i} AS s, '{name}' AS step, {due} AS due, {done} AS done"
                                   for i, (name, due, done) in enumerate(STEPS))
        # Assigned over the last 400 days; a step due after the export date may still be open (not yet late).
        self.sql(f"""
            INSERT INTO ds_problem_steps
            SELECT 'QS' || lpad(p.range::VARCHAR, 6, '0'), st.step, '责任单位' || (p.range % 40),
                   (DATE '{self.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.due) DAY)::DATE,
                   CASE WHEN (DATE '{self.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.done) DAY)::DATE
                             <= DATE '{self.end}'
                        THEN (DATE '{self.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.done) DAY)::DATE END,
                   DATE '{self.end}'
            FROM range({n}) p, ({steps}) st
        """)
        k = _k(self.scale, 4)
        old = [f"QS{i:06d}" for i in range(n) if 60 <= i % 400]
        picked = self.rng.sample(old, 2 * k)
        for number in picked[:k]:
            self.sql("UPDATE ds_problem_steps SET done_on = CAST(due_on + INTERVAL 3 DAY AS DATE) "
                     "WHERE problem_number = ? AND step = '回复'", [number])
        for number in picked[k:]:
            self.sql("UPDATE ds_problem_steps SET done_on = NULL WHERE problem_number = ? AND step = '审核'",
                     [number])
        self.planted.update({"process_step_late": k, "process_step_missing": k})


def generate(target, *, rng: random.Random, end: dt.date, scale: float = 1.0) -> PlantedCounts:
    """Build every catalogue data set with planted anomalies; return model code -> expected subject count."""
    loader: Callable | None = None
    if isinstance(target, duckdb.DuckDBPyConnection):
        con = target
    else:
        loader, con = target, duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    create_tables(con)
    gen = _Gen(con, rng, end, scale)
    for step in (gen.water, gen.air, gen.transport, gen.subsidy, gen.penalties, gen.indicators, gen.steps):
        step()
    for code in dataset_specs():
        gen.planted.rows[code] = con.execute(f'SELECT count(*) FROM "ds_{code}"').fetchone()[0]
        if loader is not None:
            loader(code, con.table(f"ds_{code}"))
    if loader is not None:
        con.close()
    return gen.planted


def django_loader(*, actor=None) -> Callable:
    """A loader that defines the catalogue's data sets and replaces each one's rows through the datasets app."""
    from qingshan.datasets.choices import ImportMode
    from qingshan.datasets.services import dataset_load_rows, sync_schema_files

    datasets = {d.code: d for d in sync_schema_files(dataset_schema_files(), actor=actor)}

    def load(code: str, relation) -> None:
        if not relation.limit(1).fetchall():
            return  # an import needs rows; the data set stays defined and empty
        dataset_load_rows(actor=actor, dataset=datasets[code], relation=relation, mode=ImportMode.REPLACE)

    return load
