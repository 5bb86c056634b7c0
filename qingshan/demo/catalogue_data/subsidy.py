"""Domain §9 item 4: subsidy rolls and the registries they are checked against (deaths, officials, assets)."""
import datetime as dt
from decimal import Decimal

from qingshan.datacheck.catalogue.duck import insert_rows

from ..city import DISTRICTS
from .base import Build, scaled

PROGRAMME = "耕地地力保护补贴"
WELFARE = "最低生活保障"
RELIEF = "临时救助"
PROGRAMMES = [  # programme, means-tested, discretionary, basis
    (PROGRAMME, False, False, "按承包地面积发放，人人有份"),
    ("生态公益林补偿", False, False, "按林地面积发放"),
    ("退耕还林补助", False, False, "按退耕面积发放"),
    (WELFARE, True, False, "《社会救助暂行办法》第九条、第十一条：家庭收入和财产状况核对"),
    ("征地补偿", False, False, "按法定标准补偿"),
    (RELIEF, True, True, "《社会救助暂行办法》第四十七条、第四十八条：急难情形经审核审批"),
]


def subsidy(gen: Build) -> None:
    """The rolls of two programmes (低保 monthly) and the registries; six kinds of planted improper payments."""
    rng = gen.rng
    n = max(200, round(8000 * gen.scale))
    # The latest year whose payments (March to early May) and planted deaths (January, February) are all past.
    year = gen.end.year if gen.end.month >= 6 else gen.end.year - 1
    towns = [town for *_, district_towns, _ in DISTRICTS for town in district_towns]
    town_case = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(towns))
    gen.sql(f"""
        CREATE TEMP TABLE persons AS
        SELECT p.range AS i, '339900' || (19500101 + (p.range % 50) * 10000 + (p.range % 12) * 100
               + p.range % 28)::VARCHAR || lpad((p.range % 10000)::VARCHAR, 4, '0') AS id_number,
               '村民' || p.range AS name, CASE p.range % {len(towns)} {town_case} END AS town,
               p.range % 10 = 0 AS welfare
        FROM range({n}) p
    """)
    # Everybody is paid the arable-land subsidy once for their own parcel; a tenth also receive 低保, monthly (one
    # payment per month, none dated after the demo's end).
    months = 12 if year < gen.end.year else gen.end.month - 1
    gen.sql(f"""
        INSERT INTO ds_subsidy_rolls
        SELECT 'FF' || lpad(i::VARCHAR, 8, '0'), '{PROGRAMME}', '{year}', id_number, name, town,
               'DK' || lpad(i::VARCHAR, 7, '0'), (300 + 5 * (i % 100))::DECIMAL(18,6),
               DATE '{year}-03-10' + INTERVAL (i % 60) DAY
        FROM persons
        UNION ALL
        SELECT 'DB' || lpad(i::VARCHAR, 8, '0') || lpad(m.range::VARCHAR, 2, '0'), '{WELFARE}',
               '{year}-' || lpad(m.range::VARCHAR, 2, '0'), id_number, name, town, NULL,
               780::DECIMAL(18,6), make_date({year}, m.range::INTEGER, 5 + (i % 20)::INTEGER)
        FROM persons, range(1, {months + 1}) m WHERE welfare
    """)
    insert_rows(gen.con, "ds_subsidy_programmes", PROGRAMMES)
    # Registries: people outside the rolls, plus assets of roll members not on 低保 (who may own anything).
    gen.sql(f"""
        INSERT INTO ds_death_registry
        SELECT '339911' || (19300101 + r.range % 20 * 10000)::VARCHAR || lpad(r.range::VARCHAR, 4, '0'),
               '逝者' || r.range, DATE '{year - 1}-01-01' + INTERVAL (r.range % 700) DAY
        FROM range({max(20, n // 20)}) r
    """)
    gen.sql(f"""
        INSERT INTO ds_officials
        SELECT '339912' || (19700101 + r.range % 20 * 10000)::VARCHAR || lpad(r.range::VARCHAR, 4, '0'),
               '干部' || r.range, '青山市某局', '科员' FROM range({max(20, n // 40)}) r
    """)
    gen.sql("""
        INSERT INTO ds_official_relatives
        SELECT o.id_number, '339913' || (19990101 + r.range % 20 * 10000)::VARCHAR
               || lpad((o.rn * 2 + r.range)::VARCHAR, 4, '0'), '亲属', '子女'
        FROM (SELECT id_number, row_number() OVER (ORDER BY id_number) AS rn FROM ds_officials) o, range(2) r
    """)
    gen.sql("""
        INSERT INTO ds_property_registry
        SELECT 'BDC' || lpad(i::VARCHAR, 8, '0') || r.range, id_number, '住宅', 90
        FROM persons, range(2) r WHERE NOT welfare AND (r.range = 0 OR i % 3 = 0)
    """)
    gen.sql("""
        INSERT INTO ds_property_registry
        SELECT 'BDC' || lpad(i::VARCHAR, 8, '0') || 'W', id_number, '住宅', 60
        FROM persons WHERE welfare AND i % 20 = 0
    """)
    gen.sql("""
        INSERT INTO ds_vehicle_registry
        SELECT '皖R' || lpad(i::VARCHAR, 6, '0'), id_number, '小型轿车' FROM persons WHERE NOT welfare AND i % 4 = 1
    """)
    gen.sql("""
        INSERT INTO ds_business_registry
        SELECT '91339900' || lpad(i::VARCHAR, 10, '0'), '青山某商贸' || i, id_number, '法定代表人'
        FROM persons WHERE NOT welfare AND i % 9 = 2
    """)
    people = gen.con.execute("SELECT i, id_number, name, town, welfare FROM persons ORDER BY i").fetchall()
    plain = [p for p in people if not p[4]]
    welfare = [p for p in people if p[4]]
    k = scaled(gen.scale, 5)
    picked = rng.sample(plain, 6 * k)
    dead, officials, relatives, two_parcels, dup_parcels, idle = (picked[i * k:(i + 1) * k] for i in range(6))
    insert_rows(gen.con, "ds_death_registry",
                [(p[1], p[2], dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 60))) for p in dead])
    # Officials and relatives on the arable-land roll (an entitlement: not a hit) and, the planted ones, granted
    # 临时救助 (means-tested and decided case by case: a hit); `idle` officials get only the entitlement.
    insert_rows(gen.con, "ds_officials", [(p[1], p[2], "青山市某局", "科员") for p in officials + idle])
    some_official = gen.con.execute("SELECT min(id_number) FROM ds_officials").fetchone()[0]
    insert_rows(gen.con, "ds_official_relatives", [(some_official, p[1], p[2], "兄弟姐妹") for p in relatives])
    insert_rows(gen.con, "ds_subsidy_rolls", [
        (f"LS{p[0]:08d}", RELIEF, str(year), p[1], p[2], p[3], None, Decimal("2000"), dt.date(year, 5, 20))
        for p in officials + relatives])
    # A farmer paid for a second parcel is paid rightly (no hit); a 低保 month paid twice is a duplicate.
    insert_rows(gen.con, "ds_subsidy_rolls", [
        (f"FX{p[0]:08d}", PROGRAMME, str(year), p[1], p[2], p[3], f"DKX{p[0]:06d}", Decimal("300"),
         dt.date(year, 4, 1)) for p in two_parcels])
    insert_rows(gen.con, "ds_subsidy_rolls", [
        (f"FY{p[0]:08d}", PROGRAMME, str(year), f"339914{20000101 + j:08d}{j:04d}", f"外来申领人{j}", p[3],
         f"DK{p[0]:07d}", Decimal("300"), dt.date(year, 6, 1)) for j, p in enumerate(dup_parcels)])
    welfare_picked = rng.sample(welfare, 2 * k)
    owners, dup_ids = welfare_picked[:k], welfare_picked[k:]
    insert_rows(gen.con, "ds_vehicle_registry", [(f"皖RX{p[0]:05d}", p[1], "小型越野车") for p in owners])
    insert_rows(gen.con, "ds_subsidy_rolls", [
        (f"DX{p[0]:08d}", WELFARE, f"{year}-03", p[1], p[2], p[3], None, Decimal("780"), dt.date(year, 3, 28))
        for p in dup_ids])
    gen.planted.update({
        "subsidy_after_death": k, "subsidy_to_officials": k, "subsidy_to_relatives": k,
        "subsidy_duplicate_id": k, "subsidy_duplicate_parcel": k, "subsidy_ineligible": k,
    })
