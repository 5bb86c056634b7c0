"""Fixtures of the engine tests: a tiny hand-built world of data sets in DuckDB, one model per kind, and engines.

Every expected hit in ``EXPECTED`` is worked out by hand beside the rows that cause it.
"""

import datetime as dt
import math
import os
from decimal import Decimal as D

import duckdb
import pytest

from qingshan.datasets.catalog import COLUMN_TYPES, DatasetInfo, table_name

T = dt.datetime
DAY = dt.date

# code -> (columns {name: logical type}, rows)
WORLD = {
    "readings": (
        {"section": "string", "name": "string", "ts": "timestamp", "cod": "decimal", "tp": "decimal"},
        [
            ("s1", "一号断面", T(2026, 3, 1, 23, 50), D("21.5"), D("0.1")),  # 21.5 > 20: hit
            ("s1", "一号断面", T(2026, 3, 2, 0, 10), D("20"), D("0.2")),  # equal to the target: no hit
            ("s2", "二号断面", T(2026, 3, 1, 10, 0), D("30.000001"), D("0.1")),  # exact decimal: 30.000001 > 30
            ("s2", "二号断面", T(2026, 3, 1, 11, 0), D("30"), D("0.2")),  # equal: no hit
            ("s3", "三号断面", T(2026, 3, 1, 10, 0), None, None),  # no value: not judged
            ("s4", "四号断面", T(2026, 3, 1, 10, 0), D("99"), D("0.1")),  # no target for s4: not judged
        ],
    ),
    "sections": (
        {"section": "string", "target": "decimal"},
        [("s1", D("20")), ("s2", D("30")), ("s3", D("15")), (None, D("1"))],
    ),
    "manifests": (
        {
            "manifest_no": "string",
            "plate": "string",
            "receiver": "string",
            "depart_at": "timestamp",
            "arrive_at": "timestamp",
            "weight_out": "decimal",
        },
        [
            ("m1", "P1", "r1", T(2026, 3, 1, 8), T(2026, 3, 1, 12), D("10.000")),
            ("m2", "P2", "r3", T(2026, 3, 1, 8), T(2026, 3, 1, 12), D("10.000")),
            ("m3", "P3", None, T(2026, 3, 1, 8), T(2026, 3, 1, 12), D("100.000")),
            ("m4", "P4", "r2", T(2026, 3, 1, 8), T(2026, 3, 1, 12), D("1.000")),
        ],
    ),
    "licences": ({"receiver": "string"}, [("r1",), ("r2",), (None,)]),
    "weighbridge": (
        {"manifest_no": "string", "weight_in": "decimal"},
        [("m1", D("9.990")), ("m2", D("9.800")), ("m3", D("99.500")), ("m4", D("0.940"))],
    ),
    "positions": (
        {"plate": "string", "ts": "timestamp"},
        [
            ("P1", T(2026, 3, 1, 9)),
            ("P1", T(2026, 3, 1, 10)),  # two positions in one trip: still no hit, and m1 not repeated
            ("P2", T(2026, 3, 1, 9)),
            ("P3", T(2026, 3, 1, 11, 59)),
            ("P4", T(2026, 3, 1, 7, 59)),
            ("P4", T(2026, 3, 1, 12, 1)),  # P4 only outside its trip: hit
        ],
    ),
    "gps_gap": (
        {"plate": "string", "ts": "timestamp"},
        [
            ("P1", T(2026, 3, 1, 10, 0, 59)),
            ("P1", T(2026, 3, 1, 10, 10, 0)),  # 541 s (10 minute boundaries)
            ("P1", T(2026, 3, 1, 10, 19, 0)),  # 540 s
            ("P1", T(2026, 3, 1, 10, 28, 59)),  # 599 s > 570: hit (only 9 minute boundaries)
            ("P2", T(2026, 3, 1, 23, 55, 0)),
            ("P2", T(2026, 3, 2, 0, 5, 30)),  # 630 s across midnight: hit
            ("P3", T(2026, 3, 1, 10, 0)),  # a single point has no gap
        ],
    ),
    "corridors": (
        {"route": "string", "seq": "integer", "lng": "double", "lat": "double"},
        [("R1", 2, 104.010, 30.000), ("R1", 1, 104.000, 30.000), ("R1", 3, 104.010, 30.010)],
    ),
    "gps_route": (
        {"plate": "string", "route": "string", "ts": "timestamp", "lng": "double", "lat": "double"},
        [
            ("T1", "R1", T(2026, 3, 1, 10, 0), 104.005, 30.001),  # ~111 m from the first leg: fine
            ("T1", "R1", T(2026, 3, 1, 10, 1), 104.005, 30.003),  # ~334 m: hit
            ("T1", "R1", T(2026, 3, 1, 10, 2), 104.011, 30.005),  # ~96 m from the second leg: fine
            ("T2", "R1", T(2026, 3, 1, 10, 0), 104.020, 30.005),  # ~963 m: hit
            ("T2", "R1", T(2026, 3, 1, 10, 1), 104.000, 29.999),  # ~111 m beyond the start: fine
            ("T3", "R9", T(2026, 3, 1, 10, 0), 105.000, 31.000),  # no corridor for R9: not judged
        ],
    ),
    "gps_detour": (  # the R1 corridor above; 200 m allowed, a deviation needs 2 positions over 5 minutes
        {"plate": "string", "route": "string", "ts": "timestamp", "lng": "double", "lat": "double"},
        [
            ("S1", "R1", T(2026, 3, 1, 10, 0), 104.002, 30.000),
            ("S1", "R1", T(2026, 3, 1, 10, 5), 104.004, 30.005),  # ~555 m off once, between on-route points: noise
            ("S1", "R1", T(2026, 3, 1, 10, 10), 104.006, 30.000),
            ("S2", "R1", T(2026, 3, 1, 10, 0), 104.002, 30.000),
            ("S2", "R1", T(2026, 3, 1, 10, 5), 104.004, 30.005),  # three positions off for 10 minutes: hit
            ("S2", "R1", T(2026, 3, 1, 10, 10), 104.006, 30.005),
            ("S2", "R1", T(2026, 3, 1, 10, 15), 104.007, 30.005),
            ("S2", "R1", T(2026, 3, 1, 10, 20), 104.010, 30.005),  # back on the second leg
            ("S3", "R1", T(2026, 3, 1, 10, 0), 104.002, 30.000),
            ("S3", "R1", T(2026, 3, 1, 10, 1), 104.004, 30.005),  # two positions off, but for 1 minute only
            ("S3", "R1", T(2026, 3, 1, 10, 2), 104.006, 30.005),
            ("S3", "R1", T(2026, 3, 1, 10, 3), 104.008, 30.000),
            ("S4", "R1", T(2026, 3, 1, 10, 0), 104.002, 30.005),  # off, on, off, on: two runs of one position each
            ("S4", "R1", T(2026, 3, 1, 10, 10), 104.004, 30.000),
            ("S4", "R1", T(2026, 3, 1, 10, 20), 104.006, 30.005),
            ("S4", "R1", T(2026, 3, 1, 10, 30), 104.008, 30.000),
        ],
    ),
    "places": ({"name": "string", "lng": "double", "lat": "double"}, [("堆场", 104.0, 30.0)]),
    "gps_dwell": (
        {"plate": "string", "ts": "timestamp", "lng": "double", "lat": "double"},
        [
            *[("D1", T(2026, 3, 1, 10, 10 * i), 104.05 + 0.0001 * (i % 2), 30.05) for i in range(5)],  # 40 min
            ("D1", T(2026, 3, 1, 10, 50), 104.06, 30.05),  # moved ~960 m: the stop ended at 10:40
            *[("D2", T(2026, 3, 1, 10 + i // 6, 10 * (i % 6)), 104.0005, 30.0) for i in range(7)],  # at the depot
            *[("D3", T(2026, 3, 1, 10, 10 * i), 104.1, 30.1) for i in range(4)],  # exactly 30 min: not more
        ],
    ),
    "subsidies": (
        {"payee_id": "string", "parcel": "string", "amount": "decimal", "paid_on": "date"},
        [
            ("A", "p1", D("100"), DAY(2026, 1, 10)),
            ("A", "p2", D("100"), DAY(2026, 2, 10)),
            ("B", "p3", D("100"), DAY(2026, 1, 10)),
            ("C", "p4", D("50"), DAY(2026, 1, 10)),
            ("C", "p5", D("50"), DAY(2026, 2, 10)),
            ("C", "p6", D("50"), DAY(2026, 3, 10)),
            (None, "p7", D("10"), DAY(2026, 1, 10)),
            (None, "p8", D("10"), DAY(2026, 1, 10)),
        ],
    ),
    # Steps due and done on calendar days (``days_between``): late by 1 day, by 2 across a month's end, on the due
    # day, early, not done.
    "steps": (
        {"step_no": "string", "due_on": "date", "done_on": "date"},
        [
            ("K1", DAY(2026, 3, 10), DAY(2026, 3, 11)),
            ("K2", DAY(2026, 3, 31), DAY(2026, 4, 2)),
            ("K3", DAY(2026, 3, 10), DAY(2026, 3, 10)),
            ("K4", DAY(2026, 3, 10), DAY(2026, 3, 1)),
            ("K5", DAY(2026, 3, 10), None),
        ],
    ),
    "deaths": ({"person_id": "string", "died_on": "date"}, [("A", DAY(2026, 2, 1)), ("C", DAY(2025, 12, 31))]),
    "penalties": (
        {"decision_no": "string", "firm": "string", "violation": "string", "fine": "decimal"},
        [
            ("D1", "F1", "V1", D("10000")),
            ("D2", "F1", "V1", D("10500")),
            ("D3", "F1", "V1", D("9500")),
            ("D4", "F2", "V1", D("10200")),
            ("D5", "F2", "V1", D("9800")),
            ("D6", "F3", "V1", D("100000")),  # mean 25000, stddev ≈ 36744, band ± 2·sd tops at ≈ 98488: hit
            ("D7", "F4", "V2", D("100")),
            ("D8", "F5", "V2", D("100")),
            ("D9", "F6", "V2", D("100000")),  # group < 5
        ],
    ),
    # peer_robust (k 2, lenient side, ≥ 5 peers, at least 30 % below the peers' median), each row against the others.
    "fines": (
        {"decision_no": "string", "violation": "string", "fine": "decimal"},
        [
            # Skewed: the peers of R1 have median 14,000 and MAD 3,500, so 2,000 < 14,000 − 2 × 1.4826 × 3,500:
            # hit. Mean − 2 sd of the whole group is below 0, so a mean/stddev band misses it. R2's peers (R1 in,
            # itself out) have median 14,000 and MAD 4,500: 10,000 is not below 657.
            ("R1", "V3", D("2000")), ("R2", "V3", D("10000")), ("R3", "V3", D("11000")),
            ("R4", "V3", D("12000")), ("R5", "V3", D("13000")), ("R6", "V3", D("15000")),
            ("R7", "V3", D("20000")), ("R8", "V3", D("40000")), ("R9", "V3", D("90000")),  # high: not judged
            ("R0", "V3", None),
            # Six decisions: five peers each, the minimum. The peers of S6 all paid 50,000 (MAD 0): the floor,
            # 30 % of the median, decides: 25,000 < 35,000 -> hit.
            ("S1", "V4", D("50000")), ("S2", "V4", D("50000")), ("S3", "V4", D("50000")),
            ("S4", "V4", D("50000")), ("S5", "V4", D("50000")), ("S6", "V4", D("25000")),
            # Five decisions: four peers each, too few to judge.
            ("T1", "V5", D("50000")), ("T2", "V5", D("50000")), ("T3", "V5", D("50000")),
            ("T4", "V5", D("50000")), ("T5", "V5", D("25000")),
        ],
    ),
}


def base(**fields):
    """A spec with the common fields filled in."""
    return {"version": 1, "owner": "数据比对组", "name": fields.get("code", "模型"), **fields}


MODELS = {
    "threshold": base(
        code="cod_over_target",
        kind="threshold",
        dataset="readings",
        subject={"columns": ["section"], "label": "name"},
        evidence=["ts", "cod"],
        threshold={
            "value": "cod",
            "op": ">",
            "reference": {"dataset": "sections", "join": {"section": "section"}, "value": "target"},
        },
    ),
    "threshold_decimal": base(  # 0.1 + 0.2 is exactly 0.3 in DECIMAL (a DOUBLE would make it 0.30000000000000004)
        code="tp_sum",
        kind="threshold",
        dataset="readings",
        subject={"columns": ["section"]},
        filter="tp IS NOT NULL",
        threshold={"value": "tp + :extra", "op": ">", "limit": 0.3},
        params={"extra": 0.2},
    ),
    "threshold_midnight": base(  # 00:10 on 2 March is on 2 March in every engine
        code="day_readings",
        kind="threshold",
        dataset="readings",
        subject={"columns": ["section"]},
        filter="CAST(ts AS DATE) = CAST('2026-03-02' AS DATE)",
        threshold={"value": "cod", "op": ">=", "limit": 0},
    ),
    "threshold_days_late": base(  # compared with 0: compiled as a comparison of the dates
        code="step_late",
        kind="threshold",
        dataset="steps",
        subject={"columns": ["step_no"]},
        evidence=["due_on", "done_on"],
        threshold={"value": "days_between(due_on, done_on)", "op": ">", "limit": 0},
    ),
    "threshold_days_over": base(  # compared with 2: the day difference itself
        code="step_two_days_late",
        kind="threshold",
        dataset="steps",
        subject={"columns": ["step_no"]},
        threshold={"value": "days_between(due_on, done_on)", "op": ">=", "limit": 2},
    ),
    "missing_in_other": base(  # r3 is unlicensed; m3 has no receiver (licences holds a NULL: NOT IN would say none)
        code="unlicensed_receiver",
        kind="missing_in_other",
        dataset="manifests",
        subject={"columns": ["manifest_no"]},
        evidence=["receiver"],
        missing_in_other={"other": "licences", "join": {"receiver": "receiver"}},
    ),
    "no_positioning": base(
        code="trip_without_gps",
        kind="missing_in_other",
        dataset="manifests",
        subject={"columns": ["manifest_no"]},
        missing_in_other={
            "other": "positions",
            "join": {"plate": "plate"},
            "conditions": ["positions.ts >= depart_at", "positions.ts <= arrive_at"],
        },
    ),
    "paid_after_death": base(
        code="paid_after_death",
        kind="missing_in_other",
        dataset="subsidies",
        subject={"columns": ["payee_id"]},
        evidence=["paid_on"],
        missing_in_other={
            "other": "deaths",
            "join": {"payee_id": "person_id"},
            "match": "present",
            "conditions": ["deaths.died_on < paid_on"],
        },
    ),
    "mismatch": base(
        code="weight_mismatch",
        kind="mismatch",
        dataset="manifests",
        subject={"columns": ["manifest_no"]},
        mismatch={
            "other": "weighbridge",
            "join": {"manifest_no": "manifest_no"},
            "value": "weight_out",
            "other_value": "weight_in",
            "abs_tolerance": 0.05,
            "rel_tolerance": 0.01,
        },
    ),
    "duplicate": base(
        code="duplicate_payee",
        kind="duplicate",
        dataset="subsidies",
        subject={"columns": ["payee_id"]},
        evidence=["parcel"],
        duplicate={"keys": ["payee_id"]},
    ),
    "time_gap": base(
        code="gps_gap",
        kind="time_gap",
        dataset="gps_gap",
        subject={"columns": ["plate"]},
        time_gap={"partition_by": ["plate"], "order_by": "ts", "max_gap_seconds": 570},
    ),
    # Three points of a plate within 1,100 s (the gap to the second previous point): 10:19:00 is 1,081 s after
    # 10:00:59 -> hit; 10:28:59 is 1,139 s after 10:10:00 -> no; P2 has two points only.
    "time_gap_lag": base(
        code="gps_three_in_window",
        kind="time_gap",
        dataset="gps_gap",
        subject={"columns": ["plate"]},
        time_gap={"partition_by": ["plate"], "order_by": "ts", "lag": 2, "min_gap_seconds": 1100},
    ),
    # Same amount and day and the same payee, a missing payee matching a missing payee: A and B paid 100 on 01-10
    # are two payees; the two payments without a payee (p7, p8) are one -> hits.
    "duplicate_optional_keys": base(
        code="duplicate_payment",
        kind="duplicate",
        dataset="subsidies",
        subject={"columns": ["parcel"]},
        duplicate={"keys": ["amount", "paid_on"], "optional_keys": ["payee_id"]},
    ),
    "route_deviation": base(
        code="off_route",
        kind="route_deviation",
        dataset="gps_route",
        subject={"columns": ["plate"]},
        location={"lng": "lng", "lat": "lat"},
        evidence=["ts"],
        route_deviation={
            "max_distance_m": 200,
            "corridor": {
                "dataset": "corridors",
                "join": {"route": "route"},
                "order_by": "seq",
                "lng": "lng",
                "lat": "lat",
            },
        },
    ),
    "route_deviation_sustained": base(
        code="off_route_sustained",
        kind="route_deviation",
        dataset="gps_detour",
        subject={"columns": ["plate"]},
        location={"lng": "lng", "lat": "lat"},
        evidence=["ts"],
        route_deviation={
            "max_distance_m": 200,
            "corridor": {"dataset": "corridors", "join": {"route": "route"}, "order_by": "seq", "lng": "lng",
                         "lat": "lat"},
            "sustained": {"partition_by": ["plate"], "order_by": "ts", "min_points": 2, "min_minutes": 5},
        },
    ),
    "dwell": base(
        code="dwell_unregistered",
        kind="dwell",
        dataset="gps_dwell",
        subject={"columns": ["plate"]},
        location={"lng": "lng", "lat": "lat"},
        dwell={
            "partition_by": ["plate"],
            "order_by": "ts",
            "min_minutes": 30,
            "places": {"dataset": "places", "lng": "lng", "lat": "lat", "radius_m": 300},
        },
    ),
    "aggregate_having": base(
        code="repeat_penalties",
        kind="aggregate",
        dataset="penalties",
        subject={"columns": ["firm"]},
        evidence=["firm", "total"],
        aggregate={
            "mode": "having",
            "group_by": ["firm"],
            "measures": {"times": {"func": "count"}, "total": {"func": "sum", "column": "fine"}},
            "having": "times >= 3",
        },
    ),
    "aggregate_peer_band": base(
        code="fine_outlier",
        kind="aggregate",
        dataset="penalties",
        subject={"columns": ["decision_no"]},
        evidence=["firm"],
        aggregate={"mode": "peer_band", "group_by": ["violation"], "value": "fine", "k": 2},
    ),
    "aggregate_peer_robust": base(
        code="fine_lenient",
        kind="aggregate",
        dataset="fines",
        subject={"columns": ["decision_no"]},
        evidence=["violation"],
        aggregate={"mode": "peer_robust", "group_by": ["violation"], "value": "fine", "k": 2, "direction": "low",
                   "min_group_size": 5, "min_relative_deviation": 0.3},
    ),
    "custom_sql": base(
        code="paid_after_death_sql",
        kind="custom_sql",
        subject={"columns": ["payee_id"]},
        evidence=["paid_on", "died_on"],
        custom_sql={
            "sql": "SELECT s.payee_id, s.paid_on, d.died_on FROM subsidies AS s "
            "JOIN deaths AS d ON s.payee_id = d.person_id WHERE s.paid_on > d.died_on"
        },
    ),
}

EXPECTED = {  # subject_key -> offending rows
    "threshold": {"s1": 1, "s2": 1},
    "threshold_decimal": {"s1": 1, "s2": 1},  # tp 0.2 + 0.2 = 0.4 > 0.3; tp 0.1 + 0.2 = 0.3 is not
    "threshold_midnight": {"s1": 1},
    "threshold_days_late": {"K1": 1, "K2": 1},  # K3 on the day, K4 early, K5 not done
    "threshold_days_over": {"K2": 1},
    "missing_in_other": {"m2": 1, "m3": 1},
    "no_positioning": {"m4": 1},
    "paid_after_death": {"A": 1, "C": 3},
    "mismatch": {"m2": 1, "m4": 1},  # m1 within 0.05 t; m3 0.5 t off but within 1 % of 99.5 t
    "duplicate": {"A": 2, "C": 3},  # B once; NULL ids are not a key
    "time_gap": {"P1": 1, "P2": 1},
    "time_gap_lag": {"P1": 1},
    "duplicate_optional_keys": {"p7": 1, "p8": 1},
    "route_deviation": {"T1": 1, "T2": 1},
    "route_deviation_sustained": {"S2": 3},  # S1 one noisy position, S3 off for 1 minute, S4 runs of one
    "dwell": {"D1": 1},
    "aggregate_having": {"F1": 1},
    "aggregate_peer_band": {"D6": 1},
    "aggregate_peer_robust": {"R1": 1, "S6": 1},
    "custom_sql": {"A": 1, "C": 3},
}


def write_world(path, world=WORLD) -> dict[str, DatasetInfo]:
    """Write the data sets into a DuckDB file as ``ds_<code>`` tables; return their catalogue."""
    con = duckdb.connect(str(path))
    catalog = {}
    try:
        for code, (columns, rows) in world.items():
            table = table_name(code)
            cols = ", ".join(f'"{name}" {COLUMN_TYPES[kind]}' for name, kind in columns.items())
            con.execute(f'CREATE TABLE "{table}" ({cols})')
            if rows:
                marks = ", ".join("?" for _ in columns)
                con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            catalog[code] = DatasetInfo(code=code, table=table, columns=dict(columns))
    finally:
        con.close()
    return catalog


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """(path of the DuckDB file, catalogue) of WORLD; read-only for everybody."""
    path = tmp_path_factory.mktemp("engine-world") / "datasets.duckdb"
    return path, write_world(path)


@pytest.fixture
def duck(world, tmp_path):
    """A DuckDB engine over the world, with its own runs file."""
    from qingshan.datacheck.engine import DuckDBEngine

    engine = DuckDBEngine(world[0], tmp_path / "runs.duckdb")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run: one core, few shuffle partitions, no UI, quiet logs."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from qingshan.datacheck.engine.engines import configure_spark

    session = (
        SparkSession.builder.master("local[1]")
        .appName("qingshan-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "512m")
        # Tiny data: interpreting beats compiling generated code, and a quick JIT beats a thorough one.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    configure_spark(session)
    yield session
    session.stop()


PG_TEST_DATABASE = "qs_eng_engine"


@pytest.fixture(scope="session")
def pg_conninfo():
    """A PostgreSQL database of its own for the engine tests; skipped when no server is reachable."""
    psycopg = pytest.importorskip("psycopg")
    server = os.environ.get("QINGSHAN_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_TEST_DATABASE]).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_TEST_DATABASE}"')
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable")
    return f"{server}/{PG_TEST_DATABASE}"


def subjects(outcome) -> list:
    """The subjects of a run: its preview when that holds them all (saves engine round trips), else all of them."""
    if len(outcome.preview) == outcome.subject_count:
        return outcome.preview
    return list(outcome.iter_subjects())


def hit_counts(outcome) -> dict[str, int]:
    """subject_key -> hit rows of a run."""
    return {hit.subject_key: hit.hit_rows for hit in subjects(outcome)}


def normalised_samples(outcome) -> dict[str, list[dict]]:
    """Sample rows by subject, with floats rounded so engines' last-bit differences do not matter."""

    def norm(value):
        if isinstance(value, float):
            return round(value, 6) if math.isfinite(value) else value
        if isinstance(value, str):
            try:
                return round(float(D(value)), 6)
            except ArithmeticError:
                return value
        return value

    return {
        hit.subject_key: sorted(
            (tuple(sorted((k, norm(v)) for k, v in row.items())) for row in hit.sample_rows), key=repr
        )
        for hit in subjects(outcome)
    }


def assert_same_hits_as_duckdb(model: str, engine, duck, catalog, evidence: tuple[str, ...] = ()) -> None:
    """Run one model of MODELS (with `evidence` added) on ``engine`` and on DuckDB: the hand-worked hits, the same
    evidence and counts."""
    from qingshan.datacheck.engine import compile_model, execute

    spec = MODELS[model]
    if evidence:
        spec = dict(spec, evidence=[*spec.get("evidence", []), *evidence])
    compiled = compile_model(spec, catalog)

    other = execute(compiled, engine, run_id=f"{engine.name}_{model}")
    reference = execute(compiled, duck, run_id=f"{engine.name}_{model}")

    assert hit_counts(other) == EXPECTED[model]
    assert normalised_samples(other) == normalised_samples(reference)
    assert (other.rows_scanned, other.hit_rows) == (reference.rows_scanned, reference.hit_rows)


@pytest.fixture
def app_today():
    """The app tests' clock frozen at the test world's today (use with `pytest.mark.usefixtures`)."""
    import time_machine

    from qingshan.problems.testing.world import WORLD_NOW

    with time_machine.travel(WORLD_NOW, tick=False):
        yield
