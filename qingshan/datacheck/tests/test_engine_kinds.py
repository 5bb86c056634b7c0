"""Each model kind on the hand-built world, on DuckDB: the hits a user would see, and the traps avoided."""

import duckdb
import pytest

from qingshan.datacheck.engine import compile_model, execute

from .conftest import EXPECTED, MODELS, hit_counts


@pytest.mark.parametrize("model", sorted(MODELS))
def test_each_kind_finds_the_hits_worked_out_by_hand(model, world, duck):
    compiled = compile_model(MODELS[model], world[1])

    outcome = execute(compiled, duck, run_id=f"t_{model}")

    assert hit_counts(outcome) == EXPECTED[model]
    assert outcome.hit_rows == sum(EXPECTED[model].values())
    assert outcome.subject_count == len(EXPECTED[model])
    assert outcome.result_table == f"run_t_{model}"


def test_not_in_with_a_null_finds_nothing_but_the_anti_join_finds_the_unlicensed(world, duck):
    con = duckdb.connect(str(world[0]), read_only=True)
    naive = con.execute(
        "SELECT count(*) FROM ds_manifests WHERE receiver NOT IN (SELECT receiver FROM ds_licences)"
    ).fetchone()[0]
    con.close()
    compiled = compile_model(MODELS["missing_in_other"], world[1])

    outcome = execute(compiled, duck, run_id="notin")

    assert naive == 0  # the trap is real: licences holds a NULL
    assert "NOT EXISTS" in compiled.sql("duckdb") and " IN (" not in compiled.sql("duckdb")
    assert hit_counts(outcome) == {"m2": 1, "m3": 1}


def test_absent_within_a_trip_is_an_outer_join_and_a_mixed_condition_stays_not_exists(world, duck):
    within = compile_model(MODELS["no_positioning"], world[1])
    near = dict(MODELS["no_positioning"], missing_in_other={
        **MODELS["no_positioning"]["missing_in_other"],
        "conditions": ["positions.ts >= depart_at", "CAST(positions.ts AS DATE) <= CAST(arrive_at AS DATE) "
                       "AND positions.ts <= arrive_at"],
    })
    mixed = compile_model(near, world[1])

    outcomes = [execute(c, duck, run_id=f"absent_{i}") for i, c in enumerate((within, mixed))]

    assert "LEFT JOIN" in within.sql("duckdb") and "EXISTS" not in within.sql("duckdb")
    assert "NOT EXISTS" in mixed.sql("duckdb") and "LEFT JOIN" not in mixed.sql("duckdb")
    assert [hit_counts(o) for o in outcomes] == [{"m4": 1}, {"m4": 1}]  # m1 (two positions in its trip): none


def test_gaps_are_counted_in_seconds_not_minute_boundaries(world, duck):
    con = duckdb.connect(str(world[0]), read_only=True)
    boundaries = con.execute(
        "SELECT date_diff('minute', TIMESTAMP '2026-03-01 10:00:59', TIMESTAMP '2026-03-01 10:10:00')"
    ).fetchone()[0]
    con.close()

    outcome = execute(compile_model(MODELS["time_gap"], world[1]), duck, run_id="gap")

    assert boundaries == 10  # a minute DATEDIFF would call 541 s "10 minutes"
    gaps = {hit.subject_key: [row["gap_seconds"] for row in hit.sample_rows] for hit in outcome.iter_subjects()}
    assert gaps == {"P1": [599], "P2": [630]}
    assert [row["previous_at"] for row in outcome.preview[1].sample_rows] == ["2026-03-01T23:55:00"]


def test_days_late_read_in_whole_days_and_a_late_test_compares_the_dates(world, duck):
    compiled = compile_model(MODELS["threshold_days_late"], world[1])

    outcome = execute(compiled, duck, run_id="days_late")

    late = {hit.subject_key: [row["value"] for row in hit.sample_rows] for hit in outcome.iter_subjects()}
    assert late == {"K1": [1], "K2": [2]}  # 31 March to 2 April is 2 days; the day itself is not late
    where = compiled.query.args["where"].sql("duckdb")
    assert "DATE_DIFF" not in where and "EPOCH" not in where  # no difference computed for every row


def test_a_run_commits_its_hits_with_its_subjects_or_leaves_nothing(world, duck, monkeypatch):
    """The hit table and its subjects table are committed together (one flush of the runs file per run): when
    grouping the subjects fails, no hit table is left for a page to read without its subjects."""
    compiled = compile_model(MODELS["threshold"], world[1])
    monkeypatch.setattr(duck, "_subjects_sql", 'SELECT "no_such_column" FROM "qs hits"')

    with pytest.raises(duckdb.BinderException):
        execute(compiled, duck, run_id="half")

    tables = {t for (t,) in duck.con.execute(f"SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                             f"'{duck.runs_alias}'").fetchall()}
    assert "run_half" not in tables
    monkeypatch.undo()
    outcome = execute(compiled, duck, run_id="half")
    assert hit_counts(outcome) == EXPECTED["threshold"]


def test_evidence_rows_carry_the_columns_a_user_checks(world, duck):
    outcome = execute(
        compile_model(MODELS["paid_after_death"], world[1]), duck, run_id="evidence", sample_rows_per_subject=2
    )

    hits = {hit.subject_key: hit for hit in outcome.iter_subjects()}

    assert hits["C"].hit_rows == 3 and len(hits["C"].sample_rows) == 2  # bounded sample, full count
    assert hits["A"].sample_rows == [{"paid_on": "2026-02-10"}]


def test_mismatch_difference_is_exact_decimal(world, duck):
    outcome = execute(compile_model(MODELS["mismatch"], world[1]), duck, run_id="mm")

    rows = {hit.subject_key: hit.sample_rows[0] for hit in outcome.iter_subjects()}

    assert rows["m2"]["difference"] == "0.200000"
    assert rows["m4"]["difference"] == "0.060000"


def test_dwell_reports_the_stop_with_its_place_and_duration(world, duck):
    outcome = execute(compile_model(MODELS["dwell"], world[1]), duck, run_id="dwell")

    (hit,) = list(outcome.iter_subjects())

    assert (hit.subject_key, hit.sample_rows[0]["dwell_seconds"], hit.sample_rows[0]["point_count"]) == ("D1", 2400, 5)
    assert hit.sample_rows[0]["dwell_start"] == "2026-03-01T10:00:00"
    assert hit.lng == pytest.approx(104.05004) and hit.lat == pytest.approx(30.05)


def test_located_hits_carry_their_point(world, duck):
    outcome = execute(compile_model(MODELS["route_deviation"], world[1]), duck, run_id="route")

    points = {hit.subject_key: (hit.lng, hit.lat) for hit in outcome.iter_subjects()}

    assert points == {"T1": (104.005, 30.003), "T2": (104.02, 30.005)}


def test_dry_run_reads_a_sample_and_stores_nothing(world, duck):
    compiled = compile_model(MODELS["duplicate"], world[1])

    outcome = execute(compiled, duck, run_id="dry", dry_run=True, dry_run_limit=3)

    # the first three subsidy rows are A, A, B: A is a duplicate within the sample
    assert {h.subject_key: h.hit_rows for h in outcome.iter_subjects()} == {"A": 2}
    assert outcome.result_table is None and outcome.rows_scanned == 3
    tables = duck.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [duck.runs_alias]
    ).fetchall()
    assert tables == []


def test_iter_subjects_pages_through_every_subject(tmp_path):
    from qingshan.datacheck.engine import DuckDBEngine

    from .conftest import write_world

    catalog = write_world(tmp_path / "d.duckdb", {"rolls": ({"payee_id": "string", "parcel": "string"}, [])})
    con = duckdb.connect(str(tmp_path / "d.duckdb"))
    con.execute(
        "INSERT INTO ds_rolls SELECT 'k' || lpad(i::VARCHAR, 4, '0'), 'p' || (i * 2 + j) "
        "FROM range(2500) AS a(i), range(2) AS b(j)"
    )  # 2,500 payees, each twice
    con.close()
    spec = {
        "code": "dup",
        "name": "重复",
        "kind": "duplicate",
        "version": 1,
        "owner": "组",
        "dataset": "rolls",
        "subject": {"columns": ["payee_id"]},
        "duplicate": {"keys": ["payee_id"]},
    }
    engine = DuckDBEngine(tmp_path / "d.duckdb", tmp_path / "r.duckdb")

    outcome = execute(compile_model(spec, catalog), engine, run_id=7, sample_subjects=10)
    subjects = list(outcome.iter_subjects(batch=1000))

    assert len(outcome.preview) == 10
    assert len(subjects) == 2500 and len({s.subject_key for s in subjects}) == 2500
    assert all(s.hit_rows == 2 and len(s.sample_rows) == 2 for s in subjects)
    engine.drop_result(outcome.result_table)
    assert engine.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ?", [engine.runs_alias]
    ).fetchone() == (0,)


def test_subject_key_joins_columns_and_keeps_nulls_apart(tmp_path):
    from qingshan.datacheck.engine import DuckDBEngine

    from .conftest import write_world

    catalog = write_world(
        tmp_path / "d.duckdb",
        {
            "rolls": (
                {"town": "string", "village": "string", "amount": "integer"},
                [("甲镇", "一村", 5), ("甲镇", None, 5), ("乙镇", "二村", 1)],
            )
        },
    )
    spec = {
        "code": "big",
        "name": "大额",
        "kind": "threshold",
        "version": 1,
        "owner": "组",
        "dataset": "rolls",
        "subject": {"columns": ["town", "village"]},
        "threshold": {"value": "amount", "op": ">", "limit": 2},
    }
    engine = DuckDBEngine(tmp_path / "d.duckdb", tmp_path / "r.duckdb")

    outcome = execute(compile_model(spec, catalog), engine, run_id=1)

    assert hit_counts(outcome) == {"甲镇|一村": 1, "甲镇|": 1}
