"""Model throughput: compiled models on the DuckDB engine beside hand-written DuckDB SQL and pandas, same run.

Usage: .venv/bin/python bench/bench_models.py [--scale 1.0] [--dir /tmp/qs-bench-models] [--no-pandas]
At scale 1: 10,000,000 GPS points of 1,000,000 manifests (with weighbridge records, 100 corridors), 5,000,000
water readings of 1,000 sections, 2,000,000 subsidy rows against a 1,000,000-row death registry. Data are generated
in DuckDB with SQL (once; reused when present at the same scale). For each check it times
  * ours: ``execute(compile_model(spec), DuckDBEngine)`` — hits into a run table and their counts (the time of a
    run; the 200-subject preview a dry run adds is shown apart),
  * hand: the same check hand-written in DuckDB SQL, its hits written with CREATE TABLE AS into a DuckDB file
    (as ours are: a run's hits must survive it) and, for reference, into memory, and
  * pandas: the same check in pandas after reading the columns it needs (what an analyst would otherwise do;
    pandas is not a project dependency — install it in the venv for this bench only).
rows/s = rows read by the check / seconds. Hit counts of the three must agree.
--breakdown adds a second table: the SELECT alone (count(*) over it, nothing written) for ours and hand, and
ours split into the hit table (query, sort, write) and the subjects table with the counts.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from qingshan.datacheck.engine import DuckDBEngine, compile_model, execute  # noqa: E402
from qingshan.datasets.catalog import DatasetInfo  # noqa: E402

BASE = "TIMESTAMP '2026-03-01 00:00:00'"


def generate(path: Path, scale: float) -> dict[str, int]:
    """Write the bench data sets into a fresh DuckDB file; return row counts."""
    n_gps, n_trips = int(10_000_000 * scale), int(1_000_000 * scale)
    n_water, n_sub, n_reg = int(5_000_000 * scale), int(2_000_000 * scale), int(1_000_000 * scale)
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    con.execute("""CREATE TABLE ds_sections AS SELECT 'S' || i AS section, CAST(15 + (i % 4) * 5 AS DECIMAL(18,6))
        AS target FROM range(1000) t(i)""")
    con.execute(f"""CREATE TABLE ds_water AS SELECT 'S' || (i % 1000) AS section,
        {BASE} + to_minutes(i // 1000) AS ts,
        CAST((hash(i) % 30000) / 1000.0 AS DECIMAL(18,6)) AS cod FROM range({n_water}) t(i)""")
    con.execute(f"""CREATE TABLE ds_manifests AS SELECT 'M' || i AS manifest_no, 'P' || (i % 20000) AS plate,
        'R' || (i % 100) AS route, 'C' || (hash(i) % 520) AS receiver,
        {BASE} + to_minutes(i * 2) AS depart_at, {BASE} + to_minutes(i * 2 + 60) AS arrive_at,
        CAST(10 + (hash(i) % 20000) / 1000.0 AS DECIMAL(18,6)) AS weight_out FROM range({n_trips}) t(i)""")
    con.execute("CREATE TABLE ds_licences AS SELECT 'C' || i AS receiver FROM range(500) t(i)")
    con.execute("""CREATE TABLE ds_weighbridge AS SELECT manifest_no,
        weight_out - CASE WHEN hash(manifest_no) % 50 = 0 THEN 0.5 ELSE 0.01 END AS weight_in FROM ds_manifests""")
    # 100 corridors of 20 points each, west to east with a northward bend
    con.execute("""CREATE TABLE ds_corridors AS SELECT 'R' || r AS route, s AS seq,
        CAST(104.0 + s * 0.01 AS DOUBLE) AS lng,
        CAST(30.0 + r * 0.01 + (CASE WHEN s > 10 THEN (s - 10) * 0.002 ELSE 0 END) AS DOUBLE) AS lat
        FROM range(100) a(r), range(20) b(s)""")
    # 10 points per trip along its corridor (1 in 200 points pushed 1 km off; trips with i % 97 = 0 have none
    # inside their time window; every 1,000th trip stands 45 minutes at its 6th point; every 500th has a
    # 40-minute gap at the end)
    per = max(n_gps // max(n_trips, 1), 1)
    con.execute(f"""CREATE TABLE ds_gps AS SELECT m.manifest_no, m.plate, m.route,
        m.depart_at + to_minutes(CASE WHEN hash(m.manifest_no) % 97 = 0 THEN 90 + k
                                      WHEN k >= 5 AND hash(m.manifest_no) % 1000 = 1 THEN 25 + (k - 5) * 15
                                      ELSE k * 5 + CASE WHEN k = 9 AND hash(m.manifest_no) % 500 = 3 THEN 35 ELSE 0 END
                                      END) AS ts,
        CAST(104.0 + kk * 0.019 AS DOUBLE) AS lng,
        CAST(30.0 + CAST(substr(m.route, 2) AS INT) * 0.01
             + (CASE WHEN kk * 1.9 > 10 THEN (kk * 1.9 - 10) * 0.002 ELSE 0 END)
             + CASE WHEN hash(m.manifest_no || k) % 200 = 0 THEN 0.01 ELSE 0 END AS DOUBLE) AS lat
        FROM (SELECT m.*, k, CASE WHEN k BETWEEN 5 AND 8 AND hash(m.manifest_no) % 1000 = 1 THEN 5 ELSE k END AS kk
              FROM ds_manifests m, range({per}) t(k)) AS m""")
    con.execute("""CREATE TABLE ds_places AS SELECT 'Y' || i AS name, CAST(104.0 + i * 0.05 AS DOUBLE) AS lng,
        CAST(30.5 AS DOUBLE) AS lat
        FROM range(50) t(i)""")
    con.execute(f"""CREATE TABLE ds_subsidies AS SELECT 'ID' || (hash(i) % {max(n_sub * 9 // 10, 1)}) AS payee_id,
        'L' || i AS parcel, CAST(100 + i % 900 AS DECIMAL(18,6)) AS amount,
        DATE '2025-01-01' + CAST(i % 420 AS INT) AS paid_on FROM range({n_sub}) t(i)""")
    con.execute(f"""CREATE TABLE ds_deaths AS SELECT 'ID' || (i * 7 % {max(n_sub, 1)}) AS person_id,
        DATE '2024-06-01' + CAST(i % 700 AS INT) AS died_on FROM range({n_reg}) t(i)""")
    counts = {
        t[0][3:]: con.execute(f"SELECT count(*) FROM {t[0]}").fetchone()[0]
        for t in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    con.execute("CHECKPOINT")
    con.close()
    return counts


def catalog_of(path: Path) -> dict[str, DatasetInfo]:
    con = duckdb.connect(str(path), read_only=True)
    kinds = {
        "VARCHAR": "string",
        "BIGINT": "integer",
        "INTEGER": "integer",
        "DOUBLE": "double",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "BOOLEAN": "boolean",
    }
    catalog: dict[str, dict] = {}
    for table, column, kind in con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY table_name, "
        "ordinal_position"
    ).fetchall():
        catalog.setdefault(table[3:], {})[column] = (
            "decimal" if kind.startswith("DECIMAL") else kinds.get(kind, "double")
        )
    con.close()
    return {code: DatasetInfo(code=code, table=f"ds_{code}", columns=cols) for code, cols in catalog.items()}


def spec(code, kind, dataset, subject, body, **extra):
    return {
        "code": code,
        "name": code,
        "kind": kind,
        "version": 1,
        "owner": "bench",
        "dataset": dataset,
        "subject": {"columns": subject},
        kind: body,
        **extra,
    }


CHECKS = {
    "water_over_target": (
        spec(
            "water_over_target",
            "threshold",
            "water",
            ["section"],
            {
                "value": "cod",
                "op": ">",
                "reference": {"dataset": "sections", "join": {"section": "section"}, "value": "target"},
            },
        ),
        """SELECT w.* FROM ds_water w JOIN ds_sections s USING (section) WHERE w.cod > s.target""",
        ["water", "sections"],
    ),
    "weight_mismatch": (
        spec(
            "weight_mismatch",
            "mismatch",
            "manifests",
            ["manifest_no"],
            {
                "other": "weighbridge",
                "join": {"manifest_no": "manifest_no"},
                "value": "weight_out",
                "other_value": "weight_in",
                "abs_tolerance": 0.05,
                "rel_tolerance": 0.01,
            },
        ),
        """SELECT m.manifest_no, m.weight_out, w.weight_in FROM ds_manifests m JOIN ds_weighbridge w USING (manifest_no)
           WHERE abs(m.weight_out - w.weight_in) > 0.05
             AND abs(m.weight_out - w.weight_in) > 0.01 * abs(w.weight_in)""",
        ["manifests", "weighbridge"],
    ),
    "unlicensed_receiver": (
        spec(
            "unlicensed_receiver",
            "missing_in_other",
            "manifests",
            ["manifest_no"],
            {"other": "licences", "join": {"receiver": "receiver"}},
        ),
        """SELECT m.* FROM ds_manifests m ANTI JOIN ds_licences l ON m.receiver = l.receiver""",
        ["manifests", "licences"],
    ),
    "trip_without_gps": (
        spec(
            "trip_without_gps",
            "missing_in_other",
            "manifests",
            ["manifest_no"],
            {
                "other": "gps",
                "join": {"manifest_no": "manifest_no"},
                "conditions": ["gps.ts >= depart_at", "gps.ts <= arrive_at"],
            },
        ),
        """SELECT m.* FROM ds_manifests m WHERE NOT EXISTS (SELECT 1 FROM ds_gps g WHERE g.manifest_no = m.manifest_no
           AND g.ts BETWEEN m.depart_at AND m.arrive_at)""",
        ["manifests", "gps"],
    ),
    "gps_gap": (
        spec(
            "gps_gap",
            "time_gap",
            "gps",
            ["manifest_no"],
            {"partition_by": ["manifest_no"], "order_by": "ts", "max_gap_seconds": 1800},
        ),
        """SELECT *, epoch(ts) - epoch(lag(ts) OVER (PARTITION BY manifest_no ORDER BY ts)) AS gap FROM ds_gps
           QUALIFY gap > 1800""",
        ["gps"],
    ),
    "off_route": (
        spec(
            "off_route",
            "route_deviation",
            "gps",
            ["manifest_no"],
            {
                "max_distance_m": 300,
                "corridor": {
                    "dataset": "corridors",
                    "join": {"route": "route"},
                    "order_by": "seq",
                    "lng": "lng",
                    "lat": "lat",
                },
            },
            location={"lng": "lng", "lat": "lat"},
        ),
        None,
        ["gps", "corridors"],
    ),
    "dwell_unregistered": (
        spec(
            "dwell_unregistered",
            "dwell",
            "gps",
            ["manifest_no"],
            {
                "partition_by": ["manifest_no"],
                "order_by": "ts",
                "min_minutes": 30,
                "places": {"dataset": "places", "lng": "lng", "lat": "lat", "radius_m": 500},
            },
            location={"lng": "lng", "lat": "lat"},
        ),
        None,
        ["gps", "places"],
    ),
    "paid_after_death": (
        spec(
            "paid_after_death",
            "missing_in_other",
            "subsidies",
            ["payee_id"],
            {
                "other": "deaths",
                "join": {"payee_id": "person_id"},
                "match": "present",
                "conditions": ["deaths.died_on < paid_on"],
            },
        ),
        """SELECT s.* FROM ds_subsidies s SEMI JOIN ds_deaths d
           ON s.payee_id = d.person_id AND d.died_on < s.paid_on""",
        ["subsidies", "deaths"],
    ),
    "duplicate_payee": (
        spec("duplicate_payee", "duplicate", "subsidies", ["payee_id"], {"keys": ["payee_id"]}),
        """SELECT *, count(*) OVER (PARTITION BY payee_id) AS n FROM ds_subsidies QUALIFY n > 1""",
        ["subsidies"],
    ),
}


def hand_run(data: Path, target: Path | None, hand_sql: str) -> tuple[float, int]:
    """Seconds to write the hand query's hits with CREATE TABLE AS into ``target`` (a DuckDB file) or memory."""
    scratch = duckdb.connect(":memory:")
    scratch.execute(f"ATTACH '{data}' AS ds (READ_ONLY)")
    scratch.execute("USE ds")
    # Same setting as the engine: a hit table has no row order to keep.
    scratch.execute("SET preserve_insertion_order = false")
    if target is not None:
        target.unlink(missing_ok=True)
    scratch.execute(f"ATTACH '{target if target is not None else ':memory:'}' AS scratch")
    started = time.perf_counter()
    scratch.execute(f"CREATE TABLE scratch.main.h AS {hand_sql}")
    seconds = time.perf_counter() - started
    hits = scratch.execute("SELECT count(*) FROM scratch.main.h").fetchone()[0]
    scratch.close()
    if target is not None:
        target.unlink(missing_ok=True)
    return seconds, hits


def select_seconds(con, sql: str, params: dict | None = None) -> float:
    """Best of two: the SELECT run to completion (count(*) over it), nothing written."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        con.execute(f"SELECT count(*) FROM ({sql})", params or {}).fetchone()
        best = min(best, time.perf_counter() - started)
    return best


def pandas_check(name, read):
    """The check in pandas; returns the number of offending rows."""
    import pandas as pd

    if name == "water_over_target":
        w, s = read("water", ["section", "cod"]), read("sections", ["section", "target"])
        j = w.merge(s, on="section")
        return int((j.cod > j.target).sum())
    if name == "weight_mismatch":
        j = read("manifests", ["manifest_no", "weight_out"]).merge(read("weighbridge", ["manifest_no", "weight_in"]))
        d = (j.weight_out - j.weight_in).abs()
        return int(((d > 0.05) & (d > 0.01 * j.weight_in.abs())).sum())
    if name == "unlicensed_receiver":
        m, lic = read("manifests", ["receiver"]), read("licences", ["receiver"])
        return int((~m.receiver.isin(lic.receiver.dropna())).sum())
    if name == "trip_without_gps":
        m = read("manifests", ["manifest_no", "depart_at", "arrive_at"])
        g = read("gps", ["manifest_no", "ts"]).merge(m, on="manifest_no")
        inside = g[(g.ts >= g.depart_at) & (g.ts <= g.arrive_at)].manifest_no.unique()
        return int((~m.manifest_no.isin(inside)).sum())
    if name == "gps_gap":
        g = read("gps", ["manifest_no", "ts"]).sort_values(["manifest_no", "ts"])
        gap = g.groupby("manifest_no").ts.diff().dt.total_seconds()
        return int((gap > 1800).sum())
    if name == "paid_after_death":
        j = (
            read("subsidies", ["payee_id", "paid_on"])
            .reset_index()
            .merge(read("deaths", ["person_id", "died_on"]), left_on="payee_id", right_on="person_id")
        )
        return int(j[j.died_on < j.paid_on]["index"].nunique())
    if name == "duplicate_payee":
        s = read("subsidies", ["payee_id"])
        return int(
            s.payee_id.duplicated(keep=False).sum()
            - (s.payee_id.isna() & s.payee_id.isna().duplicated(keep=False)).sum()
        )
    del pd
    return None


# Run by the Python of a separate venv holding soda-core-duckdb (it pins duckdb 1.0 and cannot share our venv).
SODA_SCRIPT = r"""
import json
import sys
import time
from soda.scan import Scan
path = sys.argv[1]
CHECKS = {
    "unlicensed_receiver": "checks for ds_manifests:\n  - values in (receiver) must exist in ds_licences (receiver)\n",
    "duplicate_payee": "checks for ds_subsidies:\n  - duplicate_count(payee_id) = 0\n",
    "water_over_target": "checks for ds_water:\n  - failed rows:\n      fail query: |\n"
                         "        SELECT w.* FROM ds_water w JOIN ds_sections s USING (section)"
                         " WHERE w.cod > s.target\n",
}
out = {}
for name, checks in CHECKS.items():
    scan = Scan()
    scan.set_data_source_name("bench")
    scan.add_configuration_yaml_str(f"data_source bench:\n  type: duckdb\n  path: {path}\n  read_only: true\n")
    scan.add_sodacl_yaml_str(checks)
    started = time.perf_counter()
    scan.execute()
    seconds = time.perf_counter() - started
    results = scan.get_scan_results()
    check = results["checks"][0] if results.get("checks") else {}
    errors = [str(log.get("message"))[:200] for log in results.get("logs", []) if log.get("level") == "ERROR"]
    out[name] = {"seconds": seconds, "outcome": check.get("outcome"),
                 "diagnostics": check.get("diagnostics", {}).get("value"), "errors": errors[:3]}
print(json.dumps(out))
"""


def soda_checks(soda_python: str, data: Path) -> dict:
    """Time Soda Core scans of the checks it can express, in its own interpreter; returns its JSON report."""
    import json
    import subprocess

    done = subprocess.run([soda_python, "-c", SODA_SCRIPT, str(data)], capture_output=True, text=True, check=True)
    # Soda logs to stdout as well: the report is the last line that is a JSON object.
    report = done.stdout[done.stdout.rindex('{"unlicensed_receiver"') :]
    return json.loads(report.splitlines()[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dir", default="/tmp/qs-bench-models")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--breakdown", action="store_true", help="also time each SELECT alone and ours in parts")
    parser.add_argument("--soda-python", help="python of a venv with soda-core-duckdb installed")
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"datasets-{args.scale:g}.duckdb"
    if not data.exists():
        started = time.perf_counter()
        counts = generate(data, args.scale)
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    catalog = catalog_of(data)
    runs = work / "runs.duckdb"
    runs.unlink(missing_ok=True)
    engine = DuckDBEngine(data, runs)
    hand = duckdb.connect(str(data), read_only=True)
    counts = {code: hand.execute(f"SELECT count(*) FROM ds_{code}").fetchone()[0] for code in catalog}

    def read(code, columns):
        return hand.execute(f"SELECT {', '.join(columns)} FROM ds_{code}").df()

    print(
        "| check | rows read | ours s (+ preview) | ours rows/s | hand → file s | hand rows/s | ours/hand | "
        "hand → memory s | ours/hand (memory) | pandas s | pandas rows/s | hits (ours/hand/pandas) |",
        flush=True,
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
    breakdown = []
    for name, (model, hand_sql, used) in CHECKS.items():
        if args.only and name not in args.only:
            continue
        rows = sum(counts[c] for c in used)
        compiled = compile_model(model, catalog)
        outcome = execute(compiled, engine, run_id=f"b_{name}")
        t = outcome.timings
        hand_s = hand_mem_s = hand_hits = None
        if hand_sql:
            hand_s, hand_hits = hand_run(data, work / "hand.duckdb", hand_sql)
            hand_mem_s, _ = hand_run(data, None, hand_sql)
            if args.breakdown:
                ours_select = select_seconds(hand, *engine.render(compiled.query, compiled.params))
                breakdown.append((name, ours_select, select_seconds(hand, hand_sql), t))
        pandas_s = pandas_hits = None
        if not args.no_pandas:
            started = time.perf_counter()
            pandas_hits = pandas_check(name, read)
            pandas_s = time.perf_counter() - started if pandas_hits is not None else None
        engine.drop_result(outcome.result_table)

        def rate(seconds, rows=rows):
            return f"{rows / seconds:,.0f}" if seconds else "—"

        def sec(seconds):
            return f"{seconds:.2f}" if seconds else "—"

        # The hit table and its counts are what a run costs; the 200-subject preview is for the editor's dry run.
        run_s = t["query"] + t["count"]
        ratio = f"{run_s / hand_s:.2f}×" if hand_s else "—"
        ratio_mem = f"{run_s / hand_mem_s:.2f}×" if hand_mem_s else "—"
        parts = f"{sec(run_s)} (+{t['preview']:.2f})"
        print(
            f"| {name} | {rows:,} | {parts} | {rate(run_s)} | {sec(hand_s)} | {rate(hand_s)} | {ratio} | "
            f"{sec(hand_mem_s)} | {ratio_mem} | "
            f"{sec(pandas_s)} | {rate(pandas_s)} | {outcome.hit_rows:,}/{hand_hits if hand_hits is not None else '—'}"
            f"/{pandas_hits if pandas_hits is not None else '—'} |",
            flush=True,
        )
    engine.close()
    if breakdown:
        print(
            "\n| check | ours SELECT s | hand SELECT s | SELECT ours/hand | ours hit table s | "
            "ours subjects + counts s |",
            flush=True,
        )
        print("|---|---:|---:|---:|---:|---:|", flush=True)
        for name, ours_select, hand_select, t in breakdown:
            print(
                f"| {name} | {ours_select:.2f} | {hand_select:.2f} | {ours_select / hand_select:.2f}× | "
                f"{t['query']:.2f} | {t['count']:.2f} |",
                flush=True,
            )
    if args.soda_python:
        print("\n| check (Soda Core) | rows read | Soda s | Soda rows/s | Soda result |", flush=True)
        print("|---|---:|---:|---:|---|", flush=True)
        used = {name: sum(counts[c] for c in CHECKS[name][2]) for name in CHECKS}
        for name, result in soda_checks(args.soda_python, data).items():
            seconds = result["seconds"]
            print(
                f"| {name} | {used[name]:,} | {seconds:.2f} | {used[name] / seconds:,.0f} | "
                f"{result['outcome']}: {result['diagnostics']} {'; '.join(result['errors'])} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
