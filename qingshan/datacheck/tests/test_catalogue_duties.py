"""Issue 10, catalogue logic as the inspector means it: subsidies, penalties and process steps, each model run on
hand-built rows with planted true and false positives (the rows beside each say which and why)."""
import datetime as dt
from decimal import Decimal as D

import duckdb
import pytest

from qingshan.datacheck.catalogue import catalog_infos, catalogue_model
from qingshan.datacheck.catalogue.duck import create_tables, insert_rows
from qingshan.datacheck.engine import DuckDBEngine, PostgresEngine, compile_model, execute

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

d = dt.date.fromisoformat

LAND, FOREST, WELFARE, RELIEF = "耕地地力保护补贴", "生态公益林补偿", "最低生活保障", "临时救助"


def _pay(no, programme, period, person, parcel=None, paid_on="2026-03-10", amount="500"):
    return (no, programme, period, person, f"姓名{person}", "青峰街道", parcel, D(amount), d(paid_on))


def _penalty(no, firm, fine, band=("100000", "1000000"), vtype="超标排放大气污染物", article="第九十九条",
             day="2025-06-01"):
    return (no, firm, f"企业{firm}", "青山区", vtype, article, D(fine), D(band[0]), D(band[1]), d(day))


def _repeat(no, firm, day, vtype="超标排放大气污染物"):
    """A decision of the repeat-penalty cases: an article of their own keeps them out of the peer groups."""
    return _penalty(no, firm, "300000", vtype=vtype, article="第一百零三条", day=day)


def _step(problem, step, due, done, extracted="2026-03-31"):
    return (problem, step, "市水务局", d(due), d(done) if done else None, d(extracted))


WORLD = {
    "subsidy_programmes": [(LAND, False, False, None), (FOREST, False, False, None), (WELFARE, True, False, None),
                           (RELIEF, True, True, None)],
    "subsidy_rolls": [
        # 低保 is paid monthly: three months of M are three payments, not duplicates; N is paid March twice.
        _pay("W1", WELFARE, "2026-01", "M", paid_on="2026-01-05"),
        _pay("W2", WELFARE, "2026-02", "M", paid_on="2026-02-05"),
        _pay("W3", WELFARE, "2026-03", "M", paid_on="2026-03-05"),
        _pay("W4", WELFARE, "2026-03", "N", paid_on="2026-03-05"),
        _pay("W5", WELFARE, "2026-03", "N", paid_on="2026-03-25"),
        # Farmer P is paid for two parcels (rightly); Q twice for the same parcel; R for the same parcel in two
        # years; S in two programmes.
        _pay("L1", LAND, "2026", "P", "X1"), _pay("L2", LAND, "2026", "P", "X2"),
        _pay("L3", LAND, "2026", "Q", "X3"), _pay("L4", LAND, "2026", "Q", "X3"),
        _pay("L5", LAND, "2025", "R", "X4", paid_on="2025-03-10"), _pay("L6", LAND, "2026", "R", "X4"),
        _pay("L7", LAND, "2026", "S", "X5"), _pay("F1", FOREST, "2026", "S", "X5"),
        # Officials: O1 only the arable-land subsidy every farmer gets; O2 on 低保; O3 granted 临时救助; O4 on a
        # programme missing from the register (not judged).
        _pay("L8", LAND, "2026", "O1", "X6"),
        _pay("W6", WELFARE, "2026-03", "O2"),
        _pay("T1", RELIEF, "2026", "O3", amount="3000"),
        _pay("Z1", "征地补偿", "2026", "O4", amount="90000"),
        # Relatives: K1 forest compensation (an entitlement), K2 临时救助.
        _pay("F2", FOREST, "2026", "K1", "X7"), _pay("T2", RELIEF, "2026", "K2", amount="3000"),
    ],
    "officials": [(o, f"干部{o}", "青山区农业农村局", "科长") for o in ("O1", "O2", "O3", "O4")],
    "official_relatives": [("O9", "K1", "亲属K1", "子女"), ("O9", "K2", "亲属K2", "配偶")],
    "penalty_decisions": [
        # A skewed group (band 10万–100万): most fines 30万–40万, a long tail to 100万, and L1 at the band's
        # bottom. L1's peers (itself left out) have median 38万 and MAD 6万: 10万 < 38万 − 3 × 1.4826 × 6万 =
        # 11.3万 -> hit. Mean − 2 sd of the whole group is below 0, so the old mean/stddev band missed it.
        *[_penalty(f"G{i}", f"A{i}", fine) for i, fine in enumerate(
            ["300000", "320000", "340000", "360000", "380000", "400000", "500000", "800000", "1000000"])],
        _penalty("L1", "B1", "100000"),
        # A lighter circumstance's band (5万–10万) of the same violation and article: low beside the group
        # above but compared only with its own band's cases, which are too few -> not a hit.
        _penalty("L2", "B2", "50000", band=("50000", "100000")),
        _penalty("L3", "B3", "60000", band=("50000", "100000")),
        # Six cases, five peers each (the minimum): the peers of L4 all paid 8万 (MAD 0), the floor decides,
        # 30 % of the median: 4万 < 5.6万 -> hit; L5 at 6万 in another such group is within 30 % -> no hit.
        *[_penalty(f"H{i}", f"C{i}", "80000", band=("10000", "100000"), article="第一百条") for i in range(5)],
        _penalty("L4", "B4", "40000", band=("10000", "100000"), article="第一百条"),
        *[_penalty(f"J{i}", f"E{i}", "80000", band=("10000", "100000"), article="第一百零一条") for i in range(5)],
        _penalty("L5", "B5", "60000", band=("10000", "100000"), article="第一百零一条"),
        # Five cases, four peers each: too few to judge, however low L6.
        *[_penalty(f"K{i}", f"F{i}", "80000", band=("10000", "100000"), article="第一百零二条") for i in range(4)],
        _penalty("L6", "B6", "20000", band=("10000", "100000"), article="第一百零二条"),
        # Repeat penalties (以罚代管), one violation type each unless said: R1 three times within 344 days ->
        # hit; R2 three times over two years -> no; R3 the third exactly 365 days after the first -> hit;
        # R4 three times in a month but for three different violations -> no; R5 twice in a week -> no.
        _repeat("R1a", "R1", "2025-01-10"), _repeat("R1b", "R1", "2025-06-01"),
        _repeat("R1c", "R1", "2025-12-20"),
        _repeat("R2a", "R2", "2023-01-01"), _repeat("R2b", "R2", "2024-01-01"),
        _repeat("R2c", "R2", "2025-01-01"),
        _repeat("R3a", "R3", "2025-01-01"), _repeat("R3b", "R3", "2025-06-01"),
        _repeat("R3c", "R3", "2026-01-01"),
        _repeat("R4a", "R4", "2025-03-01", vtype="未批先建"),
        _repeat("R4b", "R4", "2025-03-10", vtype="逃避监管排放水污染物"),
        _repeat("R4c", "R4", "2025-03-20", vtype="危险废物贮存不规范"),
        _repeat("R5a", "R5", "2025-03-01"), _repeat("R5b", "R5", "2025-03-07"),
    ],
    "problem_steps": [
        # P1: every step in order, on time.
        _step("P1", "交办", "2026-03-01", "2026-03-01"), _step("P1", "签收", "2026-03-02", "2026-03-02"),
        _step("P1", "回复", "2026-03-15", "2026-03-10"), _step("P1", "审核", "2026-03-20", "2026-03-12"),
        _step("P1", "销号", "2026-03-25", "2026-03-13"),
        # P2: no 签收 row at all, yet replied -> missing.
        _step("P2", "交办", "2026-03-01", "2026-03-01"), _step("P2", "回复", "2026-03-15", "2026-03-10"),
        # P3: 回复 not done and not yet due, yet reviewed -> missing (skipped).
        _step("P3", "交办", "2026-03-01", "2026-03-01"), _step("P3", "签收", "2026-03-02", "2026-03-02"),
        _step("P3", "回复", "2026-04-15", None), _step("P3", "审核", "2026-04-20", "2026-03-20"),
        # P4: 回复 past due and not done -> missing (overdue).
        _step("P4", "交办", "2026-03-01", "2026-03-01"), _step("P4", "签收", "2026-03-02", "2026-03-02"),
        _step("P4", "回复", "2026-03-15", None),
        # P5: reviewed before the reply was done -> out of order (nothing missing, nothing late).
        _step("P5", "交办", "2026-03-01", "2026-03-01"), _step("P5", "签收", "2026-03-02", "2026-03-02"),
        _step("P5", "回复", "2026-03-15", "2026-03-12"), _step("P5", "审核", "2026-03-20", "2026-03-08"),
        # P6: reply and review on the same day: in order. P7: the reply is open and not yet due: nothing yet.
        _step("P6", "交办", "2026-03-01", "2026-03-01"), _step("P6", "签收", "2026-03-02", "2026-03-02"),
        _step("P6", "回复", "2026-03-15", "2026-03-12"), _step("P6", "审核", "2026-03-20", "2026-03-12"),
        _step("P7", "交办", "2026-03-25", "2026-03-25"), _step("P7", "签收", "2026-03-26", "2026-03-26"),
        _step("P7", "回复", "2026-04-10", None),
    ],
}

EXPECTED = {
    "subsidy_duplicate_id": {"N": 2, "Q": 2},
    "subsidy_duplicate_parcel": {"X3": 2},
    "subsidy_to_officials": {"O2": 1, "O3": 1},
    "subsidy_to_relatives": {"K2": 1},
    "penalty_peer_disparity": {"L1": 1, "L4": 1},
    "penalty_repeat": {"R1": 1, "R3": 1},
    "process_step_missing": {"P2": 1, "P3": 1, "P4": 1},
    "process_step_out_of_order": {"P5": 1},
    "process_step_late": {},
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalogue-duties")
    con = duckdb.connect(str(folder / "datasets.duckdb"))
    try:
        create_tables(con)
        for code, rows in WORLD.items():
            insert_rows(con, f"ds_{code}", rows)
    finally:
        con.close()
    return folder


@pytest.fixture(scope="module")
def engine(folder):
    engine = DuckDBEngine(folder / "datasets.duckdb", folder / "runs.duckdb")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def pg(pg_conninfo, folder):
    """The same rows in PostgreSQL (schemas of this test process, dropped afterwards)."""
    import os

    import psycopg

    schema = f"dc_duties_{os.getpid()}"
    engine = PostgresEngine(pg_conninfo, path=folder / "datasets.duckdb", schema=schema, catalog=catalog_infos())
    yield engine
    engine.close()
    with psycopg.connect(pg_conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_data" CASCADE')
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_runs" CASCADE')


def _run(engine, code):
    return execute(compile_model(catalogue_model(code).spec_text, catalog_infos()), engine, run_id=f"duty_{code}")


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_model_finds_the_planted_cases_and_none_of_the_decoys(engine, code):
    outcome = _run(engine, code)
    assert {hit.subject_key: hit.hit_rows for hit in outcome.iter_subjects()} == EXPECTED[code]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_postgres_finds_the_same(pg, code):
    outcome = _run(pg, code)
    assert {hit.subject_key: hit.hit_rows for hit in outcome.iter_subjects()} == EXPECTED[code]


def test_peer_disparity_leaves_the_case_out_of_its_peers_and_shows_them(engine):
    rows = {h.subject_key: h.sample_rows[0] for h in _run(engine, "penalty_peer_disparity").iter_subjects()}
    # L1's nine peers without itself: median 38万 (with it: ten cases, median 37万), MAD 6万.
    assert (rows["L1"]["peer_count"], float(rows["L1"]["peer_median"]), float(rows["L1"]["peer_mad"])) == (
        9, 380000.0, 60000.0)
    assert (rows["L4"]["peer_count"], float(rows["L4"]["peer_median"])) == (5, 80000.0)


def test_missing_steps_say_how_they_are_missing(engine):
    rows = {(h.subject_key, r["step"]): (r["finding"], r["later_step"])
            for h in _run(engine, "process_step_missing").iter_subjects() for r in h.sample_rows}
    assert rows == {
        ("P2", "签收"): ("后续环节已完成，本环节无记录", "回复"),
        ("P3", "回复"): ("后续环节已完成，本环节未完成", "审核"),
        ("P4", "回复"): ("已过期限仍未完成", "签收"),
    }


def test_out_of_order_names_the_earlier_step(engine):
    [hit] = list(_run(engine, "process_step_out_of_order").iter_subjects())
    [row] = hit.sample_rows
    assert (row["step"], row["done_on"], row["earlier_step"], row["earlier_done_on"]) == (
        "审核", "2026-03-08", "回复", "2026-03-12")


def test_repeat_penalties_show_the_window(engine):
    rows = {h.subject_key: h.sample_rows[0] for h in _run(engine, "penalty_repeat").iter_subjects()}
    assert (rows["R1"]["decision_no"], rows["R1"]["previous_at"]) == ("R1c", "2025-01-10")
    assert (rows["R3"]["decision_no"], rows["R3"]["gap_seconds"]) == ("R3c", 365 * 86400)


def test_every_subsidy_penalty_and_process_model_explains_itself_in_chinese():
    import re
    from pathlib import Path

    import yaml

    from qingshan.datacheck.catalogue import catalogue_models

    folder = Path(__file__).resolve().parents[1] / "catalogue" / "explanations"
    codes = [m.code for m in catalogue_models() if m.code.startswith(("subsidy_", "penalty_", "process_"))]
    assert len(codes) == 12
    for code in codes:
        text = yaml.safe_load((folder / f"{code}.yaml").read_text(encoding="utf-8"))
        assert list(text) == ["finds", "does_not_find", "parameters", "basis"], code
        assert text["parameters"] and all(
            list(p) == ["name", "meaning", "default", "basis"] and all(isinstance(v, str) and v for v in p.values())
            for p in text["parameters"]), code
        prose = " ".join([text["finds"], text["does_not_find"], text["basis"]])
        assert re.search(r"[\u4e00-\u9fff]", prose) and not re.search(r"\b[a-z]+_[a-z_]+\b", prose), code


@pytest.mark.django_db
def test_every_evidence_column_has_a_chinese_heading(engine):
    """What a hit page shows: each column of each model's hits headed in Chinese (custom SQL names its own)."""
    import re

    from qingshan.datacheck.catalogue import dataset_schema_files
    from qingshan.datacheck.models import CheckModel
    from qingshan.datacheck.prose import model_vocabulary
    from qingshan.datasets.services import sync_schema_files

    sync_schema_files(dataset_schema_files())
    for code in EXPECTED:
        vocabulary = model_vocabulary(CheckModel(spec_text=catalogue_model(code).spec_text))
        keys = [k for h in _run(engine, code).iter_subjects() for row in h.sample_rows for k in row]
        raw = [c.label for c in vocabulary.columns(vocabulary.ordered(keys)) if not re.search(r"[\u4e00-\u9fff]",
                                                                                              c.label)]
        assert raw == [], code
