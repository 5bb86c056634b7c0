"""aggregate peer_robust against a plain Python reference: each row's peers (the others of its group), their
median and median absolute deviation, on random groups with ties, odd and even sizes, at and around the minimum
group size; on DuckDB, and the same random world on PostgreSQL and Spark."""
import os
import random
import statistics
from decimal import Decimal as D

import psycopg
import pytest

from qingshan.datacheck.engine import DuckDBEngine, PostgresEngine, SparkEngine, compile_model, execute

from .conftest import base, write_world


def _reference(rows, k, floor, min_peers, direction="low"):
    hits = {}
    for no, group, fine in rows:
        if fine is None:
            continue
        peers = [float(f) for n, g, f in rows if g == group and n != no and f is not None]
        if len(peers) < min_peers:
            continue
        median = statistics.median(peers)
        mad = statistics.median(abs(p - median) for p in peers)
        allowed = max(k * 1.4826 * mad, floor * abs(median))
        low, high = float(fine) < median - allowed, float(fine) > median + allowed
        if {"low": low, "high": high, "both": low or high}[direction]:
            hits[no] = (len(peers), median, mad)
    return hits


def _found(spec, catalog, engine, run_id):
    outcome = execute(compile_model(spec, catalog), engine, run_id=run_id)
    return {h.subject_key: (r["peer_count"], float(r["peer_median"]), float(r["peer_mad"]))
            for h in outcome.iter_subjects() for r in h.sample_rows}


def _spec(**aggregate):
    return base(code="robust", kind="aggregate", dataset="fines", subject={"columns": ["decision_no"]},
                aggregate={"mode": "peer_robust", "group_by": ["violation"], "value": "fine", **aggregate})


def _world(path, rows):
    return write_world(path, {"fines": ({"decision_no": "string", "violation": "string", "fine": "decimal"}, rows)})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leave_one_out_median_and_mad_match_the_reference(seed, tmp_path):
    rng = random.Random(seed)
    rows = []
    for g in range(8):
        size = rng.randrange(2, 14)
        for i in range(size):  # a few values only, so ties are common; a lenient tail now and then
            fine = rng.choice([100, 120, 120, 150, 200, 400]) * (rng.random() < 0.15 and 0.1 or 1)
            rows.append((f"G{g}N{i}", f"V{g}", D(str(fine))))
    catalog = _world(tmp_path / "w.duckdb", rows)
    spec = _spec(k=1, direction="low", min_group_size=3, min_relative_deviation=0.1)
    engine = DuckDBEngine(tmp_path / "w.duckdb", tmp_path / "runs.duckdb")
    try:
        found = _found(spec, catalog, engine, "robust")
    finally:
        engine.close()
    expected = _reference(rows, 1, 0.1, 3)
    assert len(expected) >= 3 and found == expected


MIN_PEERS = 4


def _random_groups(seed: int) -> list[tuple]:
    """Groups of every size from one below the minimum to three times it (odd and even), values drawn from a few
    (many ties, some groups all equal) or spread wide, and a NULL now and then (not a peer, never judged)."""
    rng = random.Random(seed)
    rows = []
    for g, size in enumerate(range(MIN_PEERS, 3 * MIN_PEERS + 2)):
        few = rng.choice([[50], [10, 10, 20], [1, 2, 3, 5, 8], list(range(0, 2000, 7))])
        for i in range(size):
            fine = D(rng.choice(few)) / rng.choice([1, 1, 4]) if rng.random() > 0.05 else None
            rows.append((f"G{g}N{i}", f"V{g}", fine))
    rng.shuffle(rows)
    return rows


# k 0.5 without a floor: most rows off their peers' median are hits, so nearly every row's median and MAD is seen;
# "low" and "high" each judge one side.
JUDGED = [("both", 0.5, 0), ("low", 0.5, 0.1), ("high", 0.5, 0.1)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("direction,k,floor", JUDGED)
def test_every_hit_has_the_plain_leave_one_out_median_and_mad(seed, direction, k, floor, tmp_path):
    rows = _random_groups(seed)
    catalog = _world(tmp_path / "w.duckdb", rows)
    spec = _spec(k=k, direction=direction, min_group_size=MIN_PEERS, min_relative_deviation=floor)
    engine = DuckDBEngine(tmp_path / "w.duckdb", tmp_path / "runs.duckdb")
    try:
        found = _found(spec, catalog, engine, "robust")
    finally:
        engine.close()
    expected = _reference(rows, k, floor, MIN_PEERS, direction)
    assert len(expected) >= 10 and found == expected


@pytest.fixture(scope="module")
def random_world(tmp_path_factory):
    path = tmp_path_factory.mktemp("robust") / "w.duckdb"
    rows = [r for seed in range(3) for r in
            [(f"S{seed}{no}", f"S{seed}{group}", fine) for no, group, fine in _random_groups(seed)]]
    return path, _world(path, rows), rows


def _other_engine_matches(engine, random_world):
    _, catalog, rows = random_world
    for direction, k, floor in JUDGED:
        spec = _spec(k=k, direction=direction, min_group_size=MIN_PEERS, min_relative_deviation=floor)
        expected = _reference(rows, k, floor, MIN_PEERS, direction)
        assert len(expected) >= 30 and _found(spec, catalog, engine, f"robust_{direction}") == expected


def test_postgres_gives_the_plain_leave_one_out_median_and_mad(pg_conninfo, random_world):
    schema = f"dc_robust_{os.getpid()}"
    engine = PostgresEngine(pg_conninfo, path=random_world[0], schema=schema, catalog=random_world[1])
    try:
        _other_engine_matches(engine, random_world)
    finally:
        engine.close()
        with psycopg.connect(pg_conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_data" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_runs" CASCADE')


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_spark_gives_the_plain_leave_one_out_median_and_mad(spark, random_world, tmp_path):
    _other_engine_matches(SparkEngine(spark, path=random_world[0], work_dir=tmp_path / "spark"), random_world)


def test_duckdb_runs_its_own_leave_one_out_windows_and_the_others_the_portable_form(random_world):
    """The reference tests above hold both forms exact: DuckDB's through execute(), PostgreSQL's and Spark's too."""
    compiled = compile_model(_spec(k=3, direction="low", min_group_size=MIN_PEERS), random_world[1])
    assert "EXCLUDE CURRENT ROW" in compiled.sql("duckdb") and "peer_spreads" not in compiled.sql("duckdb")
    for dialect in ("postgres", "spark"):
        assert "EXCLUDE" not in compiled.sql(dialect) and "peer_spreads" in compiled.sql(dialect)
