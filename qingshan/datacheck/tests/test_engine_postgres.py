"""The same compiled models in PostgreSQL (data copied from DuckDB) give the same hits as on DuckDB."""

import os

import psycopg
import pytest

from qingshan.datacheck.engine import PostgresEngine, compile_model, execute

from .conftest import MODELS, assert_same_hits_as_duckdb, hit_counts
from .test_engine_second_evidence import SECOND_SET


@pytest.fixture(scope="module")
def pg(pg_conninfo, world):
    """A PostgreSQL engine over the world in schemas of this test process, dropped afterwards."""
    schema = f"dc_test_{os.getpid()}"
    engine = PostgresEngine(pg_conninfo, path=world[0], schema=schema, catalog=world[1])
    yield engine
    engine.close()
    with psycopg.connect(pg_conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_data" CASCADE')
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_runs" CASCADE')


@pytest.mark.parametrize("model", sorted(MODELS))
def test_postgres_finds_the_same_hits_as_duckdb(model, world, pg, duck):
    assert_same_hits_as_duckdb(model, pg, duck, world[1])


def test_data_sets_are_copied_once_per_version(world, pg):
    pg.prepare(["readings"])
    pg.conn.execute(f'INSERT INTO "{pg.data_schema}"."ds_readings" (section) VALUES (%s)', ["marker"])

    pg.prepare(["readings"])  # same DuckDB file: no new copy, the marker stays

    count = pg.conn.execute(f'SELECT count(*) FROM "{pg.data_schema}"."ds_readings"').fetchone()[0]
    pg.conn.execute(f'DELETE FROM "{pg.data_schema}"."ds_readings" WHERE section = %s', ["marker"])
    assert count == 7


def test_postgres_session_zone_is_pinned(pg):
    assert pg.conn.execute("SHOW TIME ZONE").fetchone() == ("Asia/Shanghai",)


def test_modulo_and_percent_signs_reach_postgres_intact(world, pg):
    spec = {
        "code": "odd_points",
        "name": "奇数点",
        "kind": "threshold",
        "version": 1,
        "owner": "组",
        "dataset": "corridors",
        "subject": {"columns": ["route"]},
        "filter": "route != '%R%'",
        "threshold": {"value": "seq % 2", "op": "=", "limit": 1},
    }

    outcome = execute(compile_model(spec, world[1]), pg, run_id="mod")

    assert hit_counts(outcome) == {"R1": 2}  # seq 1 and 3


@pytest.mark.parametrize("model", sorted(SECOND_SET))
def test_postgres_shows_the_same_second_set_evidence(model, world, pg, duck):
    assert_same_hits_as_duckdb(model, pg, duck, world[1], evidence=SECOND_SET[model])


@pytest.mark.parametrize("model", ["threshold", "mismatch", "paid_after_death", "route_deviation"])
def test_a_dry_run_sampled_by_the_join_key_runs_on_postgres_as_on_duckdb(model, world, pg, duck):
    """The join-key sample (a semi-join on the second data set, issue 10) is portable: with a sample as large as
    the data, PostgreSQL's dry run finds what DuckDB's and a full run find."""
    compiled = compile_model(MODELS[model], world[1])
    assert compiled.sample_join() is not None
    dry = {engine.name: hit_counts(execute(compiled, engine, run_id="dry", dry_run=True, dry_run_limit=10_000))
           for engine in (pg, duck)}
    full = hit_counts(execute(compiled, duck, run_id=f"full_{model}"))
    assert dry["postgresql"] == dry["duckdb"] == full and full
