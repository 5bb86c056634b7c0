"""The solid-waste chain of custody models (issue 16) on a hand-built chain: each finds exactly its planted breaks
and nothing on a clean chain, with the same hits on DuckDB, Spark and PostgreSQL."""
import datetime as dt
import os
from decimal import Decimal as D

import duckdb
import psycopg
import pytest

from qingshan.datacheck.catalogue import catalog_infos, catalogue_models
from qingshan.datacheck.catalogue.duck import create_tables, insert_rows
from qingshan.datacheck.engine import DuckDBEngine, PostgresEngine, SparkEngine, compile_model, execute

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

WASTE_MODELS = ("waste_manifest_not_received", "waste_mass_balance", "waste_receiver_unlicensed",
                "waste_vehicle_not_at_receiver")
RA, RB = (117.40, 30.20), (117.50, 30.30)
EXTRACTED = dt.datetime.fromisoformat("2026-03-31T23:59")


def T(day: int, hm: str = "08:00") -> dt.datetime:  # noqa: N802 — reads like a literal in the rows below
    return dt.datetime.fromisoformat(f"2026-03-{day:02d}T{hm}")


def manifest(no, producer, code, receiver, shipped, weights, received=None, disposed=None, plate=None):
    """One 联单: weights = (shipped, received, disposed) tonnes, None where the step has not happened."""
    out_w, in_w, done_w = (D(str(w)) if w is not None else None for w in weights)
    lng, lat = RA if receiver == "RA" else RB
    return (no, producer, f"产废单位{producer}", "HW" + code[-2:], code, "废物", out_w, "青山危运", plate or f"皖W{no}",
            receiver, f"接收单位{receiver}", f"L-{receiver}", lng, lat, shipped, out_w, received, in_w, disposed,
            done_w, "焚烧" if disposed else None, EXTRACTED)


def track(plate, start, end_point, *, minutes=90, steps=6):
    """GPS points from (117.30, 30.20) to `end_point`, evenly in time, the last one at start + minutes."""
    (x0, y0), (x1, y1) = (117.30, 30.20), end_point
    return [(plate, start + dt.timedelta(minutes=minutes * i / steps), round(x0 + (x1 - x0) * i / steps, 6),
             round(y0 + (y1 - y0) * i / steps, 6), None, None) for i in range(steps + 1)]


LICENCES = [("L-RA", "RA", "接收单位RA", "900-041-49", dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
            ("L-RA", "RA", "接收单位RA", "772-006-49", dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
            ("L-RB", "RB", "接收单位RB", "900-041-49", dt.date(2023, 1, 1), dt.date(2025, 12, 31))]


def broken_chain() -> dict[str, list[tuple]]:
    manifests = [
        manifest("W1", "P1", "900-041-49", "RA", T(2), (10, 10, 10), T(2, "10:00"), T(5)),  # clean
        manifest("W2", "P1", "772-006-49", "RA", T(10), (5, None, None)),  # never received: 21 days
        manifest("W3", "P1", "900-041-49", "RA", T(12), (3, 3, 3), T(16, "09:00"), T(20)),  # 4.04 days
        manifest("W4", "P2", "900-041-49", "RB", T(3), (8, 8, 8), T(3, "11:00"), T(6)),  # RB's licence expired
        manifest("W5", "P3", "900-041-49", "RA", T(4), (20, 18.5, 18.5), T(4, "10:00"), T(7)),  # 1.5 t lost
        manifest("W6", "P3", "261-151-50", "RA", T(6), (2, 2, 2), T(6, "11:00"), T(8)),  # code not licensed
        manifest("W7", "P4", "900-041-49", "RA", T(9), (5, 4.8, 4.8), T(9, "10:00"), T(11)),  # no GPS at all
    ]
    gps = (track("皖WW1", T(2), RA) + track("皖WW3", T(12), RA) + track("皖WW4", T(3), RB)
           + track("皖WW5", T(4), RA)
           # W6 stops 5 km short of RA; it was at RA the day before, outside its trip.
           + track("皖WW6", T(6), (117.35, 30.20)) + [("皖WW6", T(5), RA[0], RA[1], None, None)])
    generation = [("P1", "产废单位P1", 202603, "900-041-49", D("0"), D("13"), D("0")),
                  ("P1", "产废单位P1", 202603, "772-006-49", D("1"), D("4"), D("0")),
                  ("P2", "产废单位P2", 202603, "900-041-49", D("2"), D("10"), D("0")),  # 12 made, 8 moved
                  ("P3", "产废单位P3", 202603, "900-041-49", D("0"), D("20"), D("0")),
                  ("P3", "产废单位P3", 202603, "261-151-50", D("0.5"), D("2"), D("0.5")),
                  ("P4", "产废单位P4", 202603, "900-041-49", D("1"), D("4"), D("0"))]
    return {"waste_manifests": manifests, "gps_points": gps, "waste_generation": generation,
            "waste_licences": LICENCES}


def clean_chain() -> dict[str, list[tuple]]:
    """The same producers with every step in order: received within the days, licensed, tracked, balanced."""
    manifests = [
        manifest("W1", "P1", "900-041-49", "RA", T(2), (10, 10, 10), T(2, "10:00"), T(5)),
        manifest("W3", "P1", "900-041-49", "RA", T(12), (3, 3, 2.9), T(14, "09:00"), T(20)),  # 0.1 t: not beyond
        manifest("W7", "P4", "900-041-49", "RA", T(9), (5, 4.8, 4.8), T(9, "10:00")),  # 0.2 t: within 5 %
    ]
    gps = track("皖WW1", T(2), RA) + track("皖WW3", T(12), (117.395, 30.20)) + track("皖WW7", T(9), RA)
    generation = [("P1", "产废单位P1", 202603, "900-041-49", D("1"), D("13"), D("1")),
                  ("P4", "产废单位P4", 202603, "900-041-49", D("0"), D("5.2"), D("0.2"))]
    return {"waste_manifests": manifests, "gps_points": gps, "waste_generation": generation,
            "waste_licences": LICENCES}


EXPECTED = {
    "waste_manifest_not_received": {"W2", "W3"},
    "waste_mass_balance": {"P2|202603", "P3|202603"},
    "waste_receiver_unlicensed": {"W4", "W6"},
    "waste_vehicle_not_at_receiver": {"W6", "W7"},
}


def build(path, rows):
    con = duckdb.connect(str(path))
    try:
        create_tables(con)
        for code, data in rows.items():
            insert_rows(con, f"ds_{code}", data)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    folder = tmp_path_factory.mktemp("waste")
    (folder / "broken").mkdir()
    (folder / "clean").mkdir()
    return {"broken": build(folder / "broken" / "datasets.duckdb", broken_chain()),
            "clean": build(folder / "clean" / "datasets.duckdb", clean_chain())}


def models():
    found = {m.code: m for m in catalogue_models() if m.code in WASTE_MODELS}
    assert sorted(found) == sorted(WASTE_MODELS)
    return found


def run_all(engine, tag) -> dict[str, dict[str, int]]:
    catalog = catalog_infos()
    return {code: {h.subject_key: h.hit_rows for h in
                   execute(compile_model(m.spec_text, catalog), engine, run_id=f"{tag}_{code}").iter_subjects()}
            for code, m in models().items()}


def expected(chain):
    return EXPECTED if chain == "broken" else {code: set() for code in EXPECTED}


@pytest.fixture(scope="module")
def on_duckdb(chains, tmp_path_factory):
    results = {}
    for chain, path in chains.items():
        engine = DuckDBEngine(path, tmp_path_factory.mktemp("waste-runs") / "runs.duckdb")
        try:
            results[chain] = run_all(engine, f"d_{chain}")
        finally:
            engine.close()
    return results


@pytest.mark.parametrize("chain", ["broken", "clean"])
def test_duckdb_finds_exactly_the_planted_breaks(on_duckdb, chain):
    assert {code: set(hits) for code, hits in on_duckdb[chain].items()} == expected(chain)


def test_mass_balance_evidence_shows_the_gaps(chains, tmp_path):
    engine = DuckDBEngine(chains["broken"], tmp_path / "runs.duckdb")
    try:
        outcome = execute(compile_model(models()["waste_mass_balance"].spec_text, catalog_infos()), engine,
                          run_id="mb")
        rows = {h.subject_key: h.sample_rows[0] for h in outcome.iter_subjects()}
    finally:
        engine.close()
    assert D(rows["P2|202603"]["ledger_gap_t"]) == 4 and D(rows["P2|202603"]["transport_gap_t"]) == 0
    assert D(rows["P3|202603"]["transport_gap_t"]) == D("1.5") and D(rows["P3|202603"]["ledger_gap_t"]) == 0


@pytest.mark.parametrize("chain", ["broken", "clean"])
def test_spark_gives_the_same_hits(chains, chain, on_duckdb, spark, tmp_path_factory):
    engine = SparkEngine(spark, path=chains[chain], work_dir=tmp_path_factory.mktemp("waste-spark"))
    assert run_all(engine, f"s_{chain}") == on_duckdb[chain]


@pytest.mark.parametrize("chain", ["broken", "clean"])
def test_postgres_gives_the_same_hits(chains, chain, on_duckdb, pg_conninfo):
    schema = f"dc_waste_{chain}_{os.getpid()}"
    engine = PostgresEngine(pg_conninfo, path=chains[chain], schema=schema, catalog=catalog_infos())
    try:
        assert run_all(engine, f"p_{chain}") == on_duckdb[chain]
    finally:
        engine.close()
        with psycopg.connect(pg_conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_data" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_runs" CASCADE')


@pytest.mark.parametrize("code", WASTE_MODELS)
def test_each_model_has_its_explanation(code):
    import yaml

    from qingshan.datacheck.catalogue import CATALOGUE_DIR

    explanation = yaml.safe_load((CATALOGUE_DIR / "explanations" / f"{code}.yaml").read_text(encoding="utf-8"))
    assert set(explanation) == {"finds", "does_not_find", "parameters", "basis"}
    assert explanation["parameters"] and all(set(p) == {"name", "meaning", "default", "basis"}
                                             for p in explanation["parameters"])
