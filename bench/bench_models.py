"""Model throughput: compiled models on the DuckDB engine beside hand-written DuckDB SQL and pandas, same run.

Usage: .venv/bin/python bench/bench_models.py [--scale 1.0] [--dir /tmp/qs-bench-models] [--no-pandas]
       [--runs 3]
       .venv/bin/python bench/bench_models.py --catalogue [--catalogue-scale 100] [--only CODE ...] [--runs 3]
With ``--catalogue`` it times each of the 27 catalogue models instead (``catalogue_models.py``: the demo city's
data at a bench scale, one hand-written DuckDB baseline per model), see ``catalogue_main``.
At scale 1: 10,000,000 GPS points of 1,000,000 manifests (with weighbridge records, 100 corridors), 5,000,000
water readings of 1,000 sections, 2,000,000 subsidy rows against a 1,000,000-row death registry. Data are generated
in DuckDB with SQL (once; reused when present at the same scale). For each check it times, under the same
conditions (issue 10):
  * ours: ``execute(compile_model(spec), DuckDBEngine)`` — hits into a run table plus the subjects table and their
    counts (what a run costs; no preview), and apart the hit table alone,
  * hand: the same check hand-written in DuckDB SQL, its hits written with CREATE TABLE AS into the same runs file,
    on the engine's own connection (same settings, same warm buffer cache), and
  * pandas: the same check in pandas after reading the columns it needs over that connection (what an analyst would
    otherwise do; pandas is not a project dependency — install it for this bench only).
Each is run once untimed (warm-up: ours and hand), then ``--runs`` (≥ 3) timed runs alternating ours, hand, pandas;
the table gives the median and the range, ratios are of medians. Hit counts of the three must agree.
"""

import argparse
import os
import statistics
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


def median_range(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[0], ordered[-1]


def hand_on(engine: DuckDBEngine, name: str, hand_sql: str) -> tuple[float, int]:
    """The hand-written check on the engine's own connection, its hits written with CREATE TABLE AS into the same
    runs file a run writes to: same connection, settings, buffer cache and target as ours."""
    target = f"{engine.runs_alias}.main.hand_{name}"
    started = time.perf_counter()
    engine.con.execute(f"CREATE OR REPLACE TABLE {target} AS {hand_sql}")
    seconds = time.perf_counter() - started
    hits = engine.con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    engine.con.execute(f"DROP TABLE {target}")
    return seconds, hits


def hand_same_output(engine: DuckDBEngine, name: str, hand_sql: str, subject: list[str]) -> float:
    """The hand-written check writing what a run writes: its hits sorted by subject, then one row per subject with
    its hit count, both committed at once (like for like with ``execute``; the rows stay the hand query's own
    columns)."""
    target = f"{engine.runs_alias}.main.hand_{name}"
    started = time.perf_counter()
    _write_like_a_run(engine, target, f"({hand_sql}) h", subject)
    seconds = time.perf_counter() - started
    engine.con.execute(f"DROP TABLE {target}")
    engine.con.execute(f"DROP TABLE {target}_subjects")
    return seconds


def pandas_same_output(engine: DuckDBEngine, name: str, hits, subject: list[str]) -> None:
    """pandas' hit rows written as ``hand_same_output`` writes the hand query's: the frame sorted by subject into the
    runs file, then one row per subject with its hit count, both committed at once (the caller times it after the
    check; the rows stay the pandas frame's own columns)."""
    target = f"{engine.runs_alias}.main.pandas_{name}"
    engine.con.register("pandas_hits", hits)
    _write_like_a_run(engine, target, "pandas_hits", subject)
    engine.con.unregister("pandas_hits")


def _write_like_a_run(engine: DuckDBEngine, target: str, source: str, subject: list[str]) -> None:
    """`source`'s rows into `target` sorted by subject, then one row per subject with its hit count, in one
    transaction, as a run writes its two tables (each commit into the runs file is a flush to disk)."""
    keys = ", ".join(f'"{c}"' for c in subject)
    engine.con.execute("BEGIN TRANSACTION")
    engine.con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source} ORDER BY {keys}")
    engine.con.execute(f"CREATE OR REPLACE TABLE {target}_subjects AS SELECT {keys}, count(*) AS hit_rows "
                       f"FROM {target} GROUP BY {keys}")
    engine.con.execute(f"SELECT sum(hit_rows), count(*) FROM {target}_subjects").fetchone()
    engine.con.execute("COMMIT")


def drop_pandas_output(engine: DuckDBEngine, name: str) -> None:
    target = f"{engine.runs_alias}.main.pandas_{name}"
    engine.con.execute(f"DROP TABLE {target}")
    engine.con.execute(f"DROP TABLE {target}_subjects")


def catalogue_main(args) -> None:
    """Each catalogue model: ours (a run: hit table sorted by subject, subjects table, counts) beside its
    hand-written DuckDB baseline writing its hits unsorted (the check alone) and writing the same output as a run
    (sorted hits and the subjects table), plus pandas where ``catalogue_models.PANDAS`` has the check: its hit
    frame counted in memory (*pandas*, the check alone) and, timed on from the same start, that frame written as the
    hand same-output query writes (*pandas, same output*: sorted hit table and subjects table in the runs file, one
    commit; like for like with ours). One connection, one untimed warm-up of each, then ``--runs`` alternating
    timed runs; median (range)."""
    import yaml

    from bench.catalogue_models import PANDAS, generate_catalogue, hand_sql
    from qingshan.datacheck.catalogue import catalog_infos, catalogue_models

    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"catalogue-{args.catalogue_scale:g}.duckdb"
    if not data.exists():
        started = time.perf_counter()
        generate_catalogue(data, args.catalogue_scale)
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    runs = work / "runs-catalogue.duckdb"
    runs.unlink(missing_ok=True)
    engine = DuckDBEngine(data, runs)
    con = engine.con
    catalog = catalog_infos()
    counts = {code: con.execute(f'SELECT count(*) FROM "ds_{code}"').fetchone()[0] for code in catalog}
    load = os.getloadavg()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"catalogue scale {args.catalogue_scale:g}, {args.runs} timed runs each after one warm-up, one DuckDB "
          f"connection; duckdb {duckdb.__version__}, threads {threads}, {os.cpu_count()} CPUs, load average before "
          f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}", flush=True)

    def read(code, columns):
        return con.execute(f"SELECT {', '.join(columns)} FROM ds_{code}").df()

    print("| model | kind | rows read | hits | ours run s median (range) | hand s median (range) | ours/hand | "
          "hand, same output s | ours/hand same output | pandas s median (range) | pandas/ours | "
          "pandas, same output s | pandas same output/ours | hits agree |",
          flush=True)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
    for model in catalogue_models():
        if args.only and model.code not in args.only:
            continue
        spec = yaml.safe_load(model.spec_text)
        compiled = compile_model(model.spec_text, catalog)
        sql = hand_sql(model.code)
        subject = spec["subject"]["columns"]
        rows = sum(counts[c] for c in compiled.datasets_used)
        check = PANDAS.get(model.code) if not args.no_pandas else None

        def ours(tag, compiled=compiled, code=model.code):
            outcome = execute(compiled, engine, run_id=f"c{tag}_{code}", sample_subjects=0)
            engine.drop_result(outcome.result_table)
            return outcome.timings["query"] + outcome.timings["count"], outcome.hit_rows

        ours(0)
        hand_on(engine, model.code, sql)
        hand_same_output(engine, model.code, sql, subject)
        if check is not None:
            pandas_same_output(engine, model.code, check(read), subject)
            drop_pandas_output(engine, model.code)
        ours_s, hand_s, same_s, pandas_s, pandas_same_s = [], [], [], [], []
        hits = hand_hits = pandas_hits = None
        for i in range(1, args.runs + 1):
            seconds, hits = ours(i)
            ours_s.append(seconds)
            seconds, hand_hits = hand_on(engine, model.code, sql)
            hand_s.append(seconds)
            same_s.append(hand_same_output(engine, model.code, sql, subject))
            if check is not None:
                started = time.perf_counter()
                frame = check(read)
                pandas_hits = len(frame)
                pandas_s.append(time.perf_counter() - started)
                pandas_same_output(engine, model.code, frame, subject)
                pandas_same_s.append(time.perf_counter() - started)
                drop_pandas_output(engine, model.code)
        agree = hits == hand_hits and (pandas_hits is None or pandas_hits == hits)
        print(
            f"| {model.code} | {spec['kind']} | {rows:,} | {hits:,} | {_fmt(ours_s)} | {_fmt(hand_s)} | "
            f"{_ratio(ours_s, hand_s)} | {_fmt(same_s)} | {_ratio(ours_s, same_s)} | {_fmt(pandas_s)} | "
            f"{_ratio(pandas_s, ours_s)} | {_fmt(pandas_same_s)} | {_ratio(pandas_same_s, ours_s)} | "
            f"{'yes' if agree else f'NO ({hits}/{hand_hits}/{pandas_hits})'} |",
            flush=True,
        )
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}", flush=True)
    engine.close()


def _fmt(values):
    if not values:
        return "—"
    mid, low, high = median_range(values)
    digits = 3 if mid < 0.1 else 2  # a run of a few milliseconds (scale 1) would read 0.00 or 0.01
    return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def _ratio(a, b):
    return f"{statistics.median(a) / statistics.median(b):.2f}×" if a and b else "—"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dir", default="/tmp/qs-bench-models")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (after one warm-up), at least 3")
    parser.add_argument("--soda-python", help="python of a venv with soda-core-duckdb installed")
    parser.add_argument("--catalogue", action="store_true", help="time each of the 27 catalogue models instead")
    parser.add_argument("--catalogue-scale", type=float, default=100.0, help="demo-city scale of the catalogue data")
    args = parser.parse_args()
    if args.runs < 3:
        parser.error("--runs must be at least 3 (median and range)")
    if args.catalogue:
        catalogue_main(args)
        return
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
    # One connection for all three: ours through the engine, hand-written SQL and pandas' reads on the same
    # connection (same threads, memory limit, preserve_insertion_order, time zone), all warm: one untimed warm-up
    # of ours and hand first, then the timed runs alternate ours, hand, pandas.
    engine = DuckDBEngine(data, runs)
    con = engine.con
    counts = {code: con.execute(f"SELECT count(*) FROM ds_{code}").fetchone()[0] for code in catalog}
    load = os.getloadavg()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"scale {args.scale:g}, {args.runs} timed runs each after one warm-up, all on one DuckDB connection; "
          f"duckdb {duckdb.__version__}, threads {threads}, "
          f"{os.cpu_count()} CPUs, load average before {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}", flush=True)

    def read(code, columns):
        return con.execute(f"SELECT {', '.join(columns)} FROM ds_{code}").df()

    print(
        "| check | rows read | ours run s median (range) | ours hit table s | hand s median (range) | "
        "ours/hand (run) | ours/hand (hit table) | pandas s median (range) | pandas/ours | "
        "hits (ours/hand/pandas) |",
        flush=True,
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
    for name, (model, hand_sql, used) in CHECKS.items():
        if args.only and name not in args.only:
            continue
        rows = sum(counts[c] for c in used)
        compiled = compile_model(model, catalog)

        def ours(tag, compiled=compiled, name=name):
            outcome = execute(compiled, engine, run_id=f"b_{name}_{tag}", sample_subjects=0)
            engine.drop_result(outcome.result_table)
            return outcome.timings["query"] + outcome.timings["count"], outcome.timings["query"], outcome.hit_rows

        ours(0)
        if hand_sql:
            hand_on(engine, name, hand_sql)
        ours_s, table_s, hand_s, pandas_s = [], [], [], []
        hits = hand_hits = pandas_hits = None
        for i in range(1, args.runs + 1):
            run_s, query_s, hits = ours(i)
            ours_s.append(run_s)
            table_s.append(query_s)
            if hand_sql:
                seconds, hand_hits = hand_on(engine, name, hand_sql)
                hand_s.append(seconds)
            if not args.no_pandas:
                started = time.perf_counter()
                pandas_hits = pandas_check(name, read)
                if pandas_hits is not None:
                    pandas_s.append(time.perf_counter() - started)

        def fmt(values):
            if not values:
                return "—"
            mid, low, high = median_range(values)
            return f"{mid:.2f} ({low:.2f}–{high:.2f})"

        def ratio(a, b):
            return f"{statistics.median(a) / statistics.median(b):.2f}×" if a and b else "—"

        print(
            f"| {name} | {rows:,} | {fmt(ours_s)} | {fmt(table_s)} | {fmt(hand_s)} | {ratio(ours_s, hand_s)} | "
            f"{ratio(table_s, hand_s)} | {fmt(pandas_s)} | {ratio(pandas_s, ours_s)} | "
            f"{hits:,}/{hand_hits if hand_hits is not None else '—'}/"
            f"{pandas_hits if pandas_hits is not None else '—'} |",
            flush=True,
        )
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}", flush=True)
    engine.close()
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
