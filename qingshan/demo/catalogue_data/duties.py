"""Domain §9 items 5–7: penalty decisions, reported against monitored indicators, and the problems' steps."""
import datetime as dt
from decimal import Decimal

from qingshan.datacheck.catalogue.duck import insert_rows

from ..city import DISTRICTS
from .base import Build, scaled

VIOLATIONS = [  # violation type, article, band min, band max (yuan)
    ("超标排放大气污染物", "《大气污染防治法》第九十九条", 100000, 1000000),
    ("未批先建", "《环境影响评价法》第三十一条", 50000, 500000),
    ("危险废物贮存不规范", "《固体废物污染环境防治法》第一百一十二条", 100000, 1000000),
    ("逃避监管排放水污染物", "《水污染防治法》第八十三条", 100000, 1000000),
    ("未按规定开展自行监测", "《排污许可管理条例》第三十六条", 20000, 200000),
]
INDICATORS = ("pm25_avg", "good_days_ratio", "water_good_ratio", "coal_reduction")
STEPS = (("交办", 0, 0), ("签收", 1, 1), ("回复", 15, 12), ("审核", 20, 18))  # step, due after, done after


def penalties(gen: Build) -> None:
    """Penalty decisions; planted fines outside the band or far below the peers, and repeat offenders."""
    rng = gen.rng
    n = max(100, round(600 * gen.scale))
    firms = n // len(VIOLATIONS) + 1  # each (firm, violation) pair at most once in the clean data
    rows = []
    for j in range(n):
        vtype, article, lo, hi = VIOLATIONS[(j // firms) % len(VIOLATIONS)]
        firm = j % firms
        fine = round(lo + (hi - lo) * rng.uniform(0.3, 0.5), -2)
        rows.append([f"青环罚〔{gen.end.year - 1}〕{j + 1}号", f"91339900MA{firm:07d}", f"青山企业{firm}号",
                     DISTRICTS[firm % len(DISTRICTS)][0], vtype, article, Decimal(fine), Decimal(lo),
                     Decimal(hi), gen.end - dt.timedelta(days=rng.randrange(1, 700))])
    k = scaled(gen.scale, 3)
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
    others = rng.sample([j for j in range(n) if j not in picked], 2 * k)
    # Two more decisions for the same firm and violation, three in all: within 80 days (以罚代管, a hit) or a
    # year and more apart (three over two years: not a hit).
    for j, days in [(j, 40) for j in others[:k]] + [(j, 370) for j in others[k:]]:
        for extra in (1, 2):
            row = list(rows[j])
            row[0] = f"{row[0][:-1]}-{extra}号"
            row[6] = Decimal(round(row[7] + (row[8] - row[7]) * Decimal("0.4"), -2))
            row[9] = row[9] - dt.timedelta(days=days * extra)
            rows.append(row)
    # A lighter circumstance's lower band, fined inside it: low beside the other cases of the violation but
    # measured only against its own band's cases (too few here to judge), so no hit.
    for i in range(k):
        vtype, article, lo, hi = VIOLATIONS[i % len(VIOLATIONS)]
        rows.append([f"青环罚〔{gen.end.year - 1}〕轻{i + 1}号", f"91339900MB{i:07d}", f"青山小微企业{i}号",
                     DISTRICTS[i % len(DISTRICTS)][0], vtype, article, Decimal(lo // 2), Decimal(lo // 4),
                     Decimal(lo), gen.end - dt.timedelta(days=rng.randrange(1, 700))])
    insert_rows(gen.con, "ds_penalty_decisions", rows)
    gen.planted.update({"penalty_outside_band": k, "penalty_peer_disparity": 2 * k, "penalty_repeat": k})


def indicators(gen: Build) -> None:
    """Indicators as reported and as monitored; a few planted over-reports."""
    rng = gen.rng
    units = [(f"U{i + 1:02d}", name) for i, (name, *_) in enumerate(DISTRICTS)]
    reported, monitored = [], []
    periods = [str(gen.end.year - y) for y in (3, 2, 1)]
    for code, name in units:
        for indicator in INDICATORS:
            for period in periods:
                value = Decimal(str(round(rng.uniform(20, 95), 2)))
                monitored.append((code, indicator, period, value, "生态环境监测站"))
                reported.append([code, name, indicator, period,
                                 (value * Decimal(str(1 + rng.uniform(-0.02, 0.02)))).quantize(Decimal("0.01"))])
    k = scaled(gen.scale, 3)
    pairs = rng.sample(range(0, len(reported), len(periods)), k)  # distinct (unit, indicator) pairs
    for j in pairs:
        reported[j][4] = (monitored[j][3] * Decimal("1.2")).quantize(Decimal("0.01"))
    insert_rows(gen.con, "ds_reported_indicators", reported)
    insert_rows(gen.con, "ds_monitored_indicators", monitored)
    gen.planted["reported_vs_monitored"] = k


def steps(gen: Build) -> None:
    """The steps of 2,000 problems; planted late, overdue, skipped and out-of-order steps."""
    n = max(100, round(2000 * gen.scale))
    steps = " UNION ALL ".join(f"SELECT {i} AS s, '{name}' AS step, {due} AS due, {done} AS done"
                               for i, (name, due, done) in enumerate(STEPS))
    # Assigned over the last 400 days; a step due after the export date may still be open (not yet late).
    gen.sql(f"""
        INSERT INTO ds_problem_steps
        SELECT 'QS' || lpad(p.range::VARCHAR, 6, '0'), st.step, '责任单位' || (p.range % 40),
               (DATE '{gen.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.due) DAY)::DATE,
               CASE WHEN (DATE '{gen.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.done) DAY)::DATE
                         <= DATE '{gen.end}'
                    THEN (DATE '{gen.end}' - INTERVAL (p.range % 400) DAY + INTERVAL (st.done) DAY)::DATE END,
               DATE '{gen.end}'
        FROM range({n}) p, ({steps}) st
    """)
    k = scaled(gen.scale, 4)
    old = [f"QS{i:06d}" for i in range(n) if 60 <= i % 400]
    picked = gen.rng.sample(old, 4 * k)
    for number in picked[:k]:
        gen.sql("UPDATE ds_problem_steps SET done_on = CAST(due_on + INTERVAL 3 DAY AS DATE) "
                 "WHERE problem_number = ? AND step = '回复'", [number])
    for number in picked[k:2 * k]:  # overdue and never done
        gen.sql("UPDATE ds_problem_steps SET done_on = NULL WHERE problem_number = ? AND step = '审核'",
                 [number])
    for number in picked[2 * k:3 * k]:  # skipped: no 签收 at all, yet replied and reviewed
        gen.sql("DELETE FROM ds_problem_steps WHERE problem_number = ? AND step = '签收'", [number])
    for number in picked[3 * k:]:  # reviewed two days before the reply was done
        gen.sql("UPDATE ds_problem_steps SET done_on = CAST(done_on - INTERVAL 8 DAY AS DATE) "
                 "WHERE problem_number = ? AND step = '审核'", [number])
    gen.planted.update({"process_step_late": k, "process_step_missing": 2 * k, "process_step_out_of_order": k})
