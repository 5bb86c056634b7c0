"""Domain §9 items 1 and 2: water sections with monthly samples, air stations with daily and hourly readings."""
import datetime as dt

from qingshan.datacheck.catalogue.duck import insert_rows
from qingshan.datacheck.catalogue.standards import WATER_ITEMS

from ..city import DISTRICTS
from .base import Build, scaled

WATER_ITEMS_SAMPLED = ("ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")


def water(gen: Build) -> None:
    """Water sections and a year of monthly samples, all class Ⅰ but the planted NH3-N values."""
    rng = gen.rng
    n = max(10, round(60 * gen.scale))
    sections = []
    for i in range(n):
        name, _, _, (lng, lat), _, _ = DISTRICTS[i % len(DISTRICTS)]
        body = "lake" if i % 6 == 5 else "river"
        sections.append((f"WS{i + 1:03d}", f"{name}{'湖库' if body == 'lake' else ''}{i + 1}号断面", body,
                         rng.choice((2, 3, 3, 3, 4)), name, round(lng + rng.uniform(-0.08, 0.08), 5),
                         round(lat + rng.uniform(-0.06, 0.06), 5)))
    insert_rows(gen.con, "ds_water_sections", sections)
    limits = ", ".join(f"('{item}', {WATER_ITEMS[item].limits[0]})" for item in WATER_ITEMS_SAMPLED)
    # Samples are taken on the 5th: the latest month sampled is the last whose 5th is not after the end day.
    start = gen.end.replace(day=1) if gen.end.day >= 5 else (gen.end.replace(day=1) - dt.timedelta(days=1)).replace(
        day=1)
    # Monthly samples for a year; every clean value is class Ⅰ (upper items at 30–90 % of the Ⅰ limit, DO above
    # 7.5, pH 6.5–8.5), so only planted values can be worse than any target. A tenth are 未检出 at the Ⅰ limit.
    gen.sql(f"""
        INSERT INTO ds_water_readings
        SELECT s.code, (DATE '{start}' - INTERVAL (m.range) MONTH + INTERVAL 4 DAY)::DATE, i.item,
               CASE WHEN i.item = 'do' THEN 7.6 + 2 * {gen.u('s.code, m.range, i.item', 1)}
                    WHEN i.item = 'ph' THEN 6.5 + 2 * {gen.u('s.code, m.range, i.item', 1)}
                    WHEN i.item = 'tn' THEN 0.3 + 2 * {gen.u('s.code, m.range, i.item', 1)}
                    WHEN {gen.u('s.code, m.range, i.item', 2)} < 0.1 THEN i.limit1
                    ELSE i.limit1 * (0.3 + 0.6 * {gen.u('s.code, m.range, i.item', 1)}) END::DECIMAL(18,6),
               i.item NOT IN ('do', 'ph', 'tn') AND {gen.u('s.code, m.range, i.item', 2)} < 0.1
        FROM ds_water_sections s, range(12) m, (VALUES {limits}) i(item, limit1)
    """)
    planted = rng.sample(sections, scaled(gen.scale, 6))
    for code, _, _, target, *_ in planted:
        # NH3-N exactly on the limit of the class below the target (inclusive: that worse class).
        value = WATER_ITEMS["nh3n"].limits[target]
        month = (start - dt.timedelta(days=rng.randrange(0, 330))).replace(day=5)
        gen.sql("DELETE FROM ds_water_readings WHERE section_code = ? AND sampled_on = ? AND item = 'nh3n'",
                 [code, month])
        insert_rows(gen.con, "ds_water_readings", [(code, month, "nh3n", value, False)])
    gen.planted["water_worse_than_target"] = len(planted)


def air(gen: Build) -> None:
    """Air stations with a year of daily and a week of hourly readings; a few planted PM2.5 peaks."""
    rng = gen.rng
    n = max(6, round(20 * gen.scale))
    stations = []
    for i in range(n):
        name, _, _, (lng, lat), towns, _ = DISTRICTS[i % len(DISTRICTS)]
        stations.append((f"AS{i + 1:02d}", f"{towns[i % len(towns)]}站", name,
                         round(lng + rng.uniform(-0.03, 0.03), 5), round(lat + rng.uniform(-0.03, 0.03), 5)))
    insert_rows(gen.con, "ds_air_stations", stations)

    def conc(lo: float, hi: float, salt: int, places: int = 0) -> str:
        return f"round({lo} + {hi - lo} * {gen.u('s.code, d.range', salt)}, {places})::DECIMAL(18,6)"

    # Clean days stay well inside 良 (AQI ≤ 100 under both versions); 3 % of values are missing.
    gen.sql(f"""
        INSERT INTO ds_air_daily
        SELECT s.code, (DATE '{gen.end}' - INTERVAL (d.range) DAY)::DATE,
               {conc(4, 30, 11)}, {conc(8, 60, 12)}, {conc(0.3, 1.5, 13, 1)}, {conc(40, 180, 14)},
               {conc(30, 150, 15)}, {conc(20, 100, 16)},
               CASE WHEN {gen.u('s.code, d.range', 17)} < 0.03 THEN NULL ELSE {conc(8, 50, 18)} END
        FROM ds_air_stations s, range(365) d
    """)
    # The last week hour by hour (air_hourly_heavy_episode reads it; it also feeds the station pages).
    gen.sql(f"""
        INSERT INTO ds_air_hourly
        SELECT s.code, TIMESTAMP '{gen.end}' - INTERVAL (h.range) HOUR,
               {conc(4, 40, 31)}, {conc(8, 90, 32)}, {conc(0.3, 2.0, 33, 1)}, {conc(20, 190, 34)},
               {conc(30, 150, 35)}, {conc(20, 120, 36)}, {conc(8, 70, 37)}, NULL, NULL
        FROM ds_air_stations s, range(168) h
    """.replace("d.range", "h.range"))
    # PM 24-hour moving means (HJ 663: at least 20 hourly values), which the 2012 real-time AQI takes for PM.
    gen.sql("""
        UPDATE ds_air_hourly SET pm10_24h = m.pm10, pm25_24h = m.pm25
        FROM (SELECT station_code, ts,
                     CASE WHEN count(pm10_1h) OVER w >= 20 THEN round(avg(pm10_1h) OVER w, 1) END AS pm10,
                     CASE WHEN count(pm25_1h) OVER w >= 20 THEN round(avg(pm25_1h) OVER w, 1) END AS pm25
              FROM ds_air_hourly
              WINDOW w AS (PARTITION BY station_code ORDER BY ts RANGE BETWEEN INTERVAL 23 HOUR PRECEDING
                           AND CURRENT ROW)) m
        WHERE ds_air_hourly.station_code = m.station_code AND ds_air_hourly.ts = m.ts
    """)
    planted = rng.sample(stations, scaled(gen.scale, 3))
    for code, *_ in planted:
        # PM2.5 180 µg/m³: IAQI 230 under 2012 and 2026 alike -> AQI > 200.
        day = gen.end - dt.timedelta(days=rng.randrange(0, 365))
        gen.sql("UPDATE ds_air_daily SET pm25_24h = 180 WHERE station_code = ? AND day = ?", [code, day])
    gen.planted["air_aqi_above_level"] = len(planted)
    # Heavy-pollution episodes in the hourly data: PM2.5 160 µg/m³ (1-hour value and 24-hour moving mean alike, so
    # IAQI 210 under either version's real-time rules) for four consecutive hours at some stations; two decoys
    # that the model must not find: three such hours, and six hours at 150 (AQI exactly 200, 中度污染).
    episodes = scaled(gen.scale, 2)
    chosen = rng.sample(stations, episodes + 2)
    for i, (code, *_) in enumerate(chosen):
        first = rng.randrange(10, 150)
        hours, value = (4, 160) if i < episodes else ((3, 160) if i == episodes else (6, 150))
        gen.sql(f"""
            UPDATE ds_air_hourly SET pm25_1h = {value}, pm25_24h = {value}
            WHERE station_code = ? AND ts BETWEEN TIMESTAMP '{gen.end}' - INTERVAL ({first + hours - 1}) HOUR
                                         AND TIMESTAMP '{gen.end}' - INTERVAL ({first}) HOUR
        """, [code])
    gen.planted["air_hourly_heavy_episode"] = episodes
