"""Sealed import batches (issue 16): a row edited, deleted or inserted in DuckDB after sealing is reported; a clean
store verifies; the same file gives the same rows hash; the chain and the canonical encoding hold."""
import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.datasets.models import BatchSeal
from qingshan.datasets.sealing import batch_hashes, seal_of, text_of
from qingshan.datasets.services import batch_create, dataset_define, dataset_load_rows, datasets_verify
from qingshan.datasets.storage import duckdb_connect

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC

VERIFIER = Path(__file__).resolve().parents[3] / "tools" / "verify_evidence.py"


def reference():
    """The stand-alone verifier's pure-Python rows hash (standard library only): the definition's reference."""
    spec = importlib.util.spec_from_file_location("verify_evidence", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MORE_ROWS = "S03,白鹭渡,2026-03-02,8.25,1,I,117.4,30.3\nS04,桃源口,2026-03-02,,4,III,,\n"


def upload(world, water, text, name="w.csv", mode="append"):
    batch = batch_create(actor=world.officer, dataset=water, upload=SimpleUploadedFile(name, text.encode()),
                         mode=mode, background=False)
    assert batch.status == "done", batch.error_summary
    return batch


def duck(sql, params=None):
    with duckdb_connect(read_only=False) as con:
        con.execute(sql, params or [])


@pytest.fixture
def sealed(world, water):
    first = upload(world, water, HEADER + GOOD_ROWS)
    second = upload(world, water, HEADER + MORE_ROWS)
    return first, second


def findings(world):
    report = datasets_verify(actor=world.leader)
    return [(f.batch_id, f.kind) for f in report.findings], report


def test_each_batch_is_sealed_chained_and_audited(world, water, sealed):
    first, second = sealed
    one, two = first.seal, second.seal
    assert (one.sequence, two.sequence) == (1, 2)
    assert one.previous_seal == "" and two.previous_seal == one.seal
    assert one.file_sha256 == first.sha256 and one.row_count == 2 and two.row_count == 2
    assert one.importer_name == world.officer.username
    event = AuditEvent.objects.get(object_type="datasets.importbatch", object_id=second.pk, action="import_done")
    assert event.payload["seal"] == two.seal and event.payload["previous_seal"] == one.seal
    # Every stored row names its batch.
    with duckdb_connect() as con:
        assert con.execute("SELECT qs_batch, count(*) FROM ds_water_readings GROUP BY ALL ORDER BY 1").fetchall() \
            == [(first.pk, 2), (second.pk, 2)]


def test_the_rows_hash_follows_the_documented_encoding(world, water, sealed):
    """The hash computed from DuckDB's Arrow buffers equals the stand-alone script's, value by value from text."""
    _first, second = sealed
    columns = [(c["name"], c["type"]) for c in WATER_SPEC["columns"]]
    rows = [["S03", "白鹭渡", dt.date(2026, 3, 2), Decimal("8.25"), 1, "I", 117.4, 30.3],
            ["S04", "桃源口", dt.date(2026, 3, 2), None, 4, "III", None, None]]
    texts = [[text_of(v, t) for v, (_n, t) in zip(row, columns, strict=True)] for row in rows]
    module = reference()
    assert (second.seal.row_count, second.seal.rows_sha256) == module.rows_hash(columns, texts)
    assert text_of(Decimal("8.25"), "decimal") == "8.250000" and text_of(117.4, "double") == "117.40000000000001"
    # Order, NULL against empty text and the split of text between values all count.
    one = [("a", "string"), ("b", "string")]
    assert len({module.rows_hash(one, r)[1] for r in ([["a", None]], [["a", ""]], [[None, "a"]], [["ab", ""]],
                                                        [["a", "b"]])}) == 5
    assert module.rows_hash(one, [["a", "b"], ["c", "d"]]) != module.rows_hash(one, [["c", "d"], ["a", "b"]])
    # A text that is not its value's canonical form is refused (one value, one text).
    with pytest.raises(ValueError):
        module.rows_hash([("v", "double")], [["117.4"]])


@pytest.mark.parametrize("value,logical", [
    (None, "string"), ("", "string"), ("含\x1f分隔符,'\"", "string"), (-12, "integer"), (Decimal("-0.25"), "decimal"),
    (0.1, "double"), (-0.0, "double"), (float("inf"), "double"), (1e300, "double"), (dt.date(2026, 2, 28), "date"),
    (dt.date(1900, 1, 1), "date"), (dt.datetime.fromisoformat("2026-03-01T08:00:05.000120"), "timestamp"),
    (dt.datetime.fromisoformat("1960-01-01T00:00:00.000005"), "timestamp"), (True, "boolean"), (False, "boolean"),
    (None, "decimal"),
    (None, "double"), (None, "date"), (None, "timestamp"), (None, "boolean"), (None, "integer")])
def test_duckdb_and_the_python_reference_agree_on_every_type(value, logical):
    from qingshan.datasets.catalog import COLUMN_TYPES

    con = duckdb.connect()
    con.execute(f'CREATE TABLE t (v {COLUMN_TYPES[logical]}, qs_batch BIGINT)')
    con.execute("INSERT INTO t VALUES (?, 1), (?, 1), (NULL, 1)", [value, value])
    expected = reference().rows_hash([("v", logical)], [[text_of(value, logical)]] * 2 + [[None]])
    assert batch_hashes(con, "t", [("v", logical)])[1] == expected


def test_the_hash_does_not_depend_on_how_duckdb_chunks_the_rows(monkeypatch):
    """Rows read in record batches of 1, 3 or 2**20 rows hash the same (streams span chunk boundaries)."""
    from qingshan.datasets import sealing

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i::VARCHAR END AS s, "
                "CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1.5 END::DECIMAL(18,6) AS d, 1::BIGINT AS qs_batch "
                "FROM range(10) r(i)")
    columns = [("s", "string"), ("d", "decimal")]
    found = set()
    for size in (1, 3, 1 << 20):
        monkeypatch.setattr(sealing, "READ_ROWS", size)
        found.add(sealing.batch_hash(con, "t", columns, 1))
    rows = con.execute("SELECT s, d FROM t").fetchall()
    assert found == {reference().rows_hash(columns, [[text_of(v, t) for v, (_n, t) in zip(r, columns, strict=True)]
                                                     for r in rows])}


def test_a_clean_store_verifies(world, water, sealed):
    found, report = findings(world)
    assert found == [] and report.ok and report.batch_count == 2 and report.row_count == 4
    assert set(BatchSeal.objects.values_list("verified_ok", flat=True)) == {True}
    assert AuditEvent.objects.filter(action="datasets_verify").count() == 1


def test_an_edited_row_is_reported_against_its_batch(world, water, sealed):
    first, _second = sealed
    duck("UPDATE ds_water_readings SET cod = 12.6 WHERE section = 'S01'")
    found, _ = findings(world)
    assert found == [(first.pk, "rows_changed")]
    seal = BatchSeal.objects.get(batch=first)
    assert seal.verified_ok is False and "修改" in seal.verify_problem


def test_a_deleted_row_is_reported(world, water, sealed):
    _first, second = sealed
    duck("DELETE FROM ds_water_readings WHERE section = 'S04'")
    assert findings(world)[0] == [(second.pk, "rows_removed")]


def test_an_inserted_row_is_reported_with_or_without_a_batch_mark(world, water, sealed):
    first, _second = sealed
    duck("INSERT INTO ds_water_readings (section, sampled_on, qs_batch) VALUES ('S09', DATE '2026-03-03', ?)",
         [first.pk])
    assert findings(world)[0] == [(first.pk, "rows_added")]
    duck("UPDATE ds_water_readings SET qs_batch = NULL WHERE section = 'S09'")
    assert findings(world)[0] == [(None, "unsealed_rows")]


def test_moving_a_row_to_another_batch_is_reported_on_both(world, water, sealed):
    first, second = sealed
    duck("UPDATE ds_water_readings SET qs_batch = ? WHERE section = 'S01'", [second.pk])
    assert sorted(findings(world)[0]) == [(first.pk, "rows_removed"), (second.pk, "rows_added")]


def test_an_edited_seal_record_breaks_the_chain(world, water, sealed):
    first, second = sealed
    BatchSeal.objects.filter(batch=first).update(row_count=3)
    found = findings(world)[0]
    assert (first.pk, "chain") in found


def test_reimporting_the_same_file_gives_the_same_rows_hash(world, water):
    first = upload(world, water, HEADER + GOOD_ROWS)
    again = upload(world, water, HEADER + GOOD_ROWS, mode="replace")
    assert again.seal.rows_sha256 == first.seal.rows_sha256 and again.seal.file_sha256 == first.seal.file_sha256
    assert again.seal.seal != first.seal.seal  # a later batch, chained after the first
    # The replaced batch's rows are gone legitimately: the store still verifies.
    assert BatchSeal.objects.get(batch=first).superseded_by == again.seal
    assert findings(world)[0] == []
    # ...but a row marked with the replaced batch is an insertion.
    duck("INSERT INTO ds_water_readings (section, sampled_on, qs_batch) VALUES ('S09', DATE '2026-03-03', ?)",
         [first.pk])
    assert findings(world)[0] == [(first.pk, "superseded_rows")]


def test_a_bulk_load_is_a_sealed_batch_too(world, water):
    loaded = dataset_load_rows(actor=None, dataset=water, rows=[["S01", "青山桥", "2026-03-01"]])
    assert loaded == 1
    seal = BatchSeal.objects.get(dataset=water)
    assert seal.batch.original_name == "系统装载" and seal.importer_name == "" and seal.row_count == 1
    assert findings(world)[0] == []


def test_a_column_added_after_sealing_must_stay_empty_in_old_batches(world, water, sealed):
    first, _ = sealed
    dataset_define(actor=world.officer, spec={**WATER_SPEC, "columns": [*WATER_SPEC["columns"],
                                                                      {"name": "note", "type": "string"}]})
    assert findings(world)[0] == []
    duck("UPDATE ds_water_readings SET note = '补记' WHERE section = 'S01'")
    assert findings(world)[0] == [(first.pk, "extra_values")]


def test_the_seal_is_the_hash_of_its_recorded_fields(world, water, sealed):
    seal = sealed[0].seal
    assert seal.seal == seal_of(dataset=water.code, batch=seal.batch_id, previous="",
                                columns=[tuple(c) for c in seal.columns], rows=2, rows_sha256=seal.rows_sha256,
                                file_sha256=seal.file_sha256, importer=seal.importer_name, sealed_at=seal.sealed_at)


def test_only_anguan_staff_and_leaders_verify(world, water):
    with pytest.raises(PermissionRefused):
        datasets_verify(actor=world.officer)


def test_the_batch_column_is_reserved(world):
    with pytest.raises(ServiceError, match="系统保留"):
        dataset_define(actor=world.officer, spec={**WATER_SPEC, "code": "other",
                                                  "columns": [{"name": "qs_batch", "type": "integer"}]})


def test_the_command_exits_1_and_names_the_batch(world, water, sealed, capsys):
    call_command("verify_datasets")
    assert "数据集封存校验通过" in capsys.readouterr().out
    duck("DELETE FROM ds_water_readings WHERE section = 'S01'")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_datasets", "water_readings")
    assert exit_.value.code == 1
    assert f"批次 #{sealed[0].pk}：封存 2 行，现存 1 行" in capsys.readouterr().err


def test_the_seals_page_shows_each_batch_and_queues_a_verification(world, water, sealed, client):
    from qingshan.core.testing.jobs import run_queued_jobs

    client.force_login(world.officer)
    assert client.get("/datasets/seals/").status_code == 403
    client.force_login(world.leader)
    page = client.get("/datasets/seals/").content.decode()
    assert "断面水质监测" in page and "尚未校验" in page and sealed[1].seal.seal[:16] in page
    assert "封存校验" in client.get("/datasets/").content.decode()
    duck("UPDATE ds_water_readings SET grade = 'I' WHERE section = 'S02'")
    assert client.post("/datasets/seals/").status_code == 302
    run_queued_jobs()
    page = client.get("/datasets/seals/").content.decode()
    assert "1 个批次未通过校验" in page and "行数未变，但数据内容在封存后被修改" in page
    assert AuditEvent.objects.get(action="datasets_verify").actor == world.leader


def test_large_evidence_shows_the_last_verification_instead_of_rehashing(world, water, sealed, settings,
                                                                         monkeypatch):
    from qingshan.datasets import selectors

    monkeypatch.setattr(selectors, "LIVE_VERIFY_ROWS", 1)
    seals = list(selectors.live_seals(datasets=[water]))
    assert [c["ok"] for c in selectors.seals_verified(seals=seals)] == [False, False]  # never verified
    datasets_verify(actor=world.leader)
    duck("DELETE FROM ds_water_readings WHERE section = 'S01'")  # after that verification: not seen until the next
    checked = selectors.seals_verified(seals=selectors.live_seals(datasets=[water]))
    assert [c["ok"] for c in checked] == [True, True] and not checked[0]["live"]
    datasets_verify(actor=world.leader)
    checked = selectors.seals_verified(seals=selectors.live_seals(datasets=[water]))
    assert [c["ok"] for c in checked] == [False, True] and "最近一次校验未通过" in checked[0]["problem"]
