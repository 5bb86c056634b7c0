"""``match: present`` with one ordered cross condition compiles to a join on MIN/MAX per key, not a correlated
EXISTS; it finds exactly the rows the EXISTS form finds, NULLs and repeated keys included, on every engine. With
the other data set's columns as evidence it is one grouped join per key and bound value that shows the same values
as the correlated subquery (the latest of a person's several registry rows before the payment)."""

import datetime as dt
import os
from decimal import Decimal as D

import psycopg
import pytest

from qingshan.datacheck.engine import DuckDBEngine, PostgresEngine, SparkEngine, compile_model, execute

from .conftest import base, hit_counts, subjects, write_world

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DAY = dt.date
WORLD = {
    "payments": (
        {"payee_id": "string", "paid_on": "date", "amount": "decimal"},
        [
            ("A", DAY(2026, 1, 10), D("100")),
            ("A", DAY(2026, 2, 10), D("10")),
            ("B", DAY(2026, 1, 10), D("100")),  # not in the registry
            ("C", DAY(2026, 1, 10), D("100")),
            ("C", DAY(2026, 3, 10), D("100")),
            ("D", None, D("100")),  # no date: never after a death
            (None, DAY(2026, 1, 10), D("100")),  # no id: never joined (the registry has a NULL id too)
            ("E", DAY(2026, 1, 10), D("100")),
        ],
    ),
    "registry": (
        {"person_id": "string", "died_on": "date", "cause": "string"},
        [
            ("A", DAY(2026, 2, 1), "x"),  # two entries for one key: MIN 01-01, MAX 02-01
            ("A", DAY(2026, 1, 1), "y"),
            ("C", None, "x"),  # a NULL date beside a real one is ignored by MIN/MAX as by the comparison
            ("C", DAY(2026, 2, 1), "y"),
            ("D", DAY(2025, 1, 1), "x"),
            (None, DAY(2020, 1, 1), "x"),
            ("E", None, "x"),  # only a NULL date: no match
        ],
    ),
}
CASES = {  # conditions -> hits worked out by hand
    "before": (["registry.died_on < paid_on"], {"A": 2, "C": 1}),
    "flipped": (["paid_on > registry.died_on"], {"A": 2, "C": 1}),
    "max_side": (["registry.died_on >= paid_on"], {"A": 1, "C": 1}),
    "other_filter": (["registry.died_on <= paid_on", "registry.cause = 'x'"], {"A": 1}),
    "row_filter": (["registry.died_on < paid_on", "amount > 50"], {"A": 1, "C": 1}),
}
# A second cross condition (always true once joined) keeps the model on the EXISTS form: the reference.
EXISTS_FORM = "registry.person_id = payee_id"


def spec(conditions: list[str]) -> dict:
    return base(
        code="paid_after_death",
        kind="missing_in_other",
        dataset="payments",
        subject={"columns": ["payee_id"]},
        evidence=["paid_on", "amount"],
        missing_in_other={
            "other": "registry",
            "join": {"payee_id": "person_id"},
            "match": "present",
            "conditions": conditions,
        },
    )


@pytest.fixture(scope="module")
def bound_world(tmp_path_factory):
    path = tmp_path_factory.mktemp("bound-world") / "datasets.duckdb"
    return path, write_world(path, WORLD)


@pytest.fixture(scope="module")
def engines(request, bound_world, tmp_path_factory):
    """name -> engine over the small world; Spark and PostgreSQL when available."""
    path, catalog = bound_world
    found = {"duckdb": DuckDBEngine(path, tmp_path_factory.mktemp("duck") / "runs.duckdb")}
    found["spark"] = SparkEngine(request.getfixturevalue("spark"), path=path, work_dir=tmp_path_factory.mktemp("spark"))
    schema = f"dc_bound_{os.getpid()}"
    conninfo = None
    try:
        conninfo = request.getfixturevalue("pg_conninfo")
        found["postgresql"] = PostgresEngine(conninfo, path=path, schema=schema, catalog=catalog)
    except pytest.skip.Exception:
        pass
    yield found
    for engine in found.values():
        engine.close()
    if conninfo:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_data" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_runs" CASCADE')


def test_one_ordered_cross_condition_becomes_a_grouped_join(bound_world):
    compiled = compile_model(spec(CASES["before"][0]), bound_world[1])
    reference = compile_model(spec([*CASES["before"][0], EXISTS_FORM]), bound_world[1])

    sql = compiled.sql("duckdb")

    assert "EXISTS" not in sql and 'MIN("oth"."died_on")' in sql and "GROUP BY" in sql
    assert "EXISTS" in reference.sql("duckdb")
    assert compile_model(spec(CASES["max_side"][0]), bound_world[1]).sql("duckdb").count("MAX(") == 1


@pytest.mark.parametrize("conditions", [["registry.cause < 'y'"], ["registry.died_on < paid_on", EXISTS_FORM]])
def test_other_cross_conditions_stay_exists(conditions, bound_world):
    # A string comparison or two cross conditions have no single MIN/MAX equivalent: the EXISTS form stays.
    assert "EXISTS" in compile_model(spec(conditions), bound_world[1]).sql("duckdb")


@pytest.mark.parametrize("engine_name", ["duckdb", "spark", "postgresql"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_grouped_join_finds_what_exists_finds(case, engine_name, engines, bound_world):
    if engine_name not in engines:
        pytest.skip(f"{engine_name} is not available")
    engine = engines[engine_name]
    conditions, expected = CASES[case]

    rewritten = execute(compile_model(spec(conditions), bound_world[1]), engine, run_id=f"bound_{case}")
    reference = execute(
        compile_model(spec([*conditions, EXISTS_FORM]), bound_world[1]), engine, run_id=f"exists_{case}"
    )

    assert hit_counts(rewritten) == hit_counts(reference) == expected
    assert rewritten.hit_rows == reference.hit_rows == sum(expected.values())


# Keys of different types are compared after an implicit cast (DuckDB casts the string): '1' and '01' in the other
# data set are two groups of the grouped join that both equal payment 1, which EXISTS counts once.
MIXED_KEYS = {
    "payments_no": ({"payee_no": "integer", "paid_on": "date"}, [(1, DAY(2026, 2, 10)), (2, DAY(2026, 2, 10))]),
    "registry_no": ({"person_no": "string", "died_on": "date"}, [("1", DAY(2026, 1, 1)), ("01", DAY(2026, 1, 5))]),
}


def test_keys_of_different_types_keep_the_exists_form(tmp_path):
    path = tmp_path / "datasets.duckdb"
    catalog = write_world(path, MIXED_KEYS)
    mixed = dict(spec(["registry_no.died_on < paid_on"]), dataset="payments_no", subject={"columns": ["payee_no"]},
                 evidence=["paid_on"])
    mixed["missing_in_other"] = dict(mixed["missing_in_other"], other="registry_no", join={"payee_no": "person_no"})
    compiled = compile_model(mixed, catalog)
    assert "EXISTS" in compiled.sql("duckdb")
    engine = DuckDBEngine(path, tmp_path / "runs.duckdb")
    try:
        outcome = execute(compiled, engine, run_id="mixed_keys")
        assert hit_counts(outcome) == {"1": 1} and outcome.hit_rows == 1
    finally:
        engine.close()


# The registry's columns beside each hit (paid_on, died_on, cause), worked out by hand: the greatest of each column
# over the person's rows that meet the conditions — A's second payment sees both of A's deaths (died_on 02-01, cause
# MAX('x', 'y') = 'y'), C's NULL date never stands beside a payment.
EVIDENCE = ["paid_on", "registry.died_on", "registry.cause"]
SHOWN = {
    "before": {"A": [("2026-01-10", "2026-01-01", "y"), ("2026-02-10", "2026-02-01", "y")],
               "C": [("2026-03-10", "2026-02-01", "y")]},
    "flipped": {"A": [("2026-01-10", "2026-01-01", "y"), ("2026-02-10", "2026-02-01", "y")],
                "C": [("2026-03-10", "2026-02-01", "y")]},
    "max_side": {"A": [("2026-01-10", "2026-02-01", "x")], "C": [("2026-01-10", "2026-02-01", "y")]},
    "other_filter": {"A": [("2026-02-10", "2026-02-01", "x")]},
    "row_filter": {"A": [("2026-01-10", "2026-01-01", "y")], "C": [("2026-03-10", "2026-02-01", "y")]},
}


def shown(outcome) -> dict[str, list[tuple]]:
    return {
        hit.subject_key: sorted((r["paid_on"], r["registry_died_on"], r["registry_cause"]) for r in hit.sample_rows)
        for hit in subjects(outcome)
    }


def test_evidence_of_the_other_set_is_a_grouped_join_not_a_subquery_per_hit(bound_world):
    compiled = compile_model(dict(spec(CASES["before"][0]), evidence=EVIDENCE), bound_world[1])

    sql = compiled.sql("duckdb")

    assert "EXISTS" not in sql and "(SELECT" not in sql.split(" FROM ")[0]
    assert 'MAX("oth"."died_on")' in sql and 'GROUP BY "whole"."payee_id", "whole"."paid_on"' in sql
    # A dry run samples the rows judged, never the grouped side: every sampled row finds its group.
    sampled = compiled.sql("duckdb", sample_limit=3)
    assert 'FROM "ds_payments" AS "whole"' in sampled and "LIMIT 3" in sampled


@pytest.mark.parametrize("engine_name", ["duckdb", "spark", "postgresql"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_grouped_evidence_shows_what_the_correlated_subquery_shows(case, engine_name, engines, bound_world):
    if engine_name not in engines:
        pytest.skip(f"{engine_name} is not available")
    engine = engines[engine_name]
    conditions, expected = CASES[case]

    rewritten = execute(compile_model(dict(spec(conditions), evidence=EVIDENCE), bound_world[1]), engine,
                        run_id=f"bound_ev_{case}")
    reference = execute(compile_model(dict(spec([*conditions, EXISTS_FORM]), evidence=EVIDENCE), bound_world[1]),
                        engine, run_id=f"exists_ev_{case}")

    assert shown(rewritten) == shown(reference) == SHOWN[case]
    assert hit_counts(rewritten) == expected and rewritten.hit_rows == sum(expected.values())
