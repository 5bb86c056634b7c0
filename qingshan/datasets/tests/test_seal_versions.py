"""Seal versions (issue 16): seals made by the first build (version 1) keep verifying by version 1, new seals are
version 2, and the seal computed while importing is the one verification recomputes from the stored rows."""
import datetime as dt
import importlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from qingshan.datasets import sealing
from qingshan.datasets.importing import import_file
from qingshan.datasets.models import BatchSeal
from qingshan.datasets.schema import parse_spec
from qingshan.datasets.sealing import rows_hash_v1, seal_of, text_of
from qingshan.datasets.services import batch_create, dataset_define
from qingshan.datasets.storage import duckdb_connect
from qingshan.datasets.verification import verify_datasets

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC
from .test_sealing import MORE_ROWS, duck, findings, reference, upload

COLUMNS = [(c["name"], c["type"]) for c in WATER_SPEC["columns"]]
# The rows hash of GOOD_ROWS as the first build computed it: its own `batch_hashes` (qingshan/datasets/sealing.py
# at commit 71a30f8) run on these two rows. Pins version 1 to what the first build actually wrote into seals.
FIRST_BUILD_GOOD_ROWS = "8916940bc1f4394d56123d50918513820b01ac00707138a1b6e7e82a9076dbda"


def stored_texts(batch_id: int) -> list[list[str | None]]:
    names = ", ".join(f'"{n}"' for n, _t in COLUMNS)
    with duckdb_connect() as con:
        rows = con.execute(f"SELECT {names} FROM ds_water_readings WHERE qs_batch = ?", [batch_id]).fetchall()
    return [[text_of(v, t) for v, (_n, t) in zip(row, COLUMNS, strict=True)] for row in rows]


def as_first_build(dataset, upto: int) -> None:
    """Rewrite the data set's seals of sequence <= `upto` as the first build made them (rows hash by the version-1
    function, seal text headed qingshan-batch-seal/1), and re-chain the later ones (still version 2)."""
    previous = ""
    for seal in BatchSeal.objects.filter(dataset=dataset).order_by("sequence"):
        if seal.sequence <= upto:
            count, seal.rows_sha256 = rows_hash_v1(stored_texts(seal.batch_id))
            assert count == seal.row_count
            seal.version = 1
        seal.previous_seal = previous
        seal.seal = seal_of(dataset=dataset.code, batch=seal.batch_id, previous=previous,
                            columns=[tuple(c) for c in seal.columns], rows=seal.row_count,
                            rows_sha256=seal.rows_sha256, file_sha256=seal.file_sha256, importer=seal.importer_name,
                            sealed_at=seal.sealed_at, version=seal.version)
        seal.save()
        previous = seal.seal


@pytest.fixture
def sealed(world, water):
    return upload(world, water, HEADER + GOOD_ROWS), upload(world, water, HEADER + MORE_ROWS)


def test_new_seals_are_version_2(world, water, sealed):
    assert [b.seal.version for b in sealed] == [2, 2]
    assert findings(world)[1].results[0].versions == {2: 2}


def test_the_version_1_function_is_the_first_builds(world, water, sealed):
    first, _second = sealed
    assert rows_hash_v1(stored_texts(first.pk)) == (2, FIRST_BUILD_GOOD_ROWS)
    with duckdb_connect() as con:  # its DuckDB form, which verification runs
        assert sealing.batch_hash(con, "ds_water_readings", COLUMNS, first.pk, version=1) == \
            (2, FIRST_BUILD_GOOD_ROWS)
    # The stand-alone verifier's version-1 function agrees.
    assert reference().rows_hash_v1(stored_texts(first.pk)) == (2, FIRST_BUILD_GOOD_ROWS)


def test_a_store_sealed_by_version_1_verifies_and_reports_the_version(world, water, sealed, capsys):
    as_first_build(water, upto=1)  # the first batch sealed by the first build, the second by this one
    found, report = findings(world)
    assert found == [] and report.results[0].versions == {1: 1, 2: 1}
    assert set(BatchSeal.objects.values_list("version", "verified_ok")) == {(1, True), (2, True)}
    call_command("verify_datasets")
    assert "封存算法 第 2 版 1 个、第 1 版 1 个" in capsys.readouterr().out


def test_tampering_a_version_1_sealed_batch_is_reported(world, water, sealed):
    first, second = sealed
    as_first_build(water, upto=2)
    duck("UPDATE ds_water_readings SET cod = 12.6 WHERE section = 'S01'")
    found, report = findings(world)
    assert found == [(first.pk, "rows_changed")] and "第 1 版" in report.findings[0].message
    duck("DELETE FROM ds_water_readings WHERE section = 'S04'")
    assert sorted(findings(world)[0]) == [(first.pk, "rows_changed"), (second.pk, "rows_removed")]


def test_a_version_1_seal_relabelled_version_2_does_not_verify(world, water, sealed):
    """The version is part of what the seal vouches for: claiming the other algorithm breaks the seal."""
    first, _second = sealed
    as_first_build(water, upto=1)
    BatchSeal.objects.filter(batch=first).update(version=2)
    assert (first.pk, "chain") in findings(world)[0]


def test_the_seals_page_shows_each_seals_version(world, water, sealed, client):
    as_first_build(water, upto=1)
    client.force_login(world.leader)
    page = client.get("/datasets/seals/").content.decode()
    assert '<td class="seal-version">第 1 版</td>' in page and '<td class="seal-version">第 2 版</td>' in page


def test_the_migration_recognises_seals_of_the_first_build(world, water, sealed):
    first, second = sealed
    as_first_build(water, upto=1)
    BatchSeal.objects.update(version=2)  # as the column's default left them
    migration = importlib.import_module("qingshan.datasets.migrations.0006_batch_seal_version")
    migration.detect_versions(apps, None)
    assert dict(BatchSeal.objects.values_list("batch_id", "version")) == {first.pk: 1, second.pk: 2}


# ---------------------------------------------------------------- the seal computed at import = the one verified

EVERY_TYPE = [("name", "string"), ("n", "integer"), ("amount", "decimal"), ("ratio", "double"), ("day", "date"),
              ("at", "timestamp"), ("ok", "boolean")]


def every_type_rows(n: int) -> str:
    """CSV rows with a NULL in every column somewhere, multi-byte text, negative and fractional values."""
    lines = ["名称,n,amount,ratio,day,at,ok"]
    for i in range(n):
        cells = [f"站点{i}号" if i % 5 else "", str(i * 7 - 50), f"{(i * 37) % 1000 - 300}.{i % 100:02d}",
                 repr(i / 7) if i % 3 else "", (dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat(),
                 f"2026-02-01 {i % 24:02d}:{i % 60:02d}:{i % 60:02d}" if i % 4 else "",
                 ("是" if i % 2 else "否") if i % 6 else ""]
        cells[1] = "" if i % 11 == 0 else cells[1]
        cells[2] = "" if i % 13 == 0 else cells[2]
        cells[4] = "" if i % 17 == 0 else cells[4]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("read_rows", [7, 1 << 18])
def test_the_seal_made_at_import_is_the_one_verification_recomputes(world, read_rows, monkeypatch, tmp_path):
    """Every column type, NULLs in each, 100 rows hashed in chunks of 7 (15 chunks, each column's streams fed by
    the hashing threads in order) or in one: the rows hash of the import equals the reference computed value by
    value from the stored rows, verification finds the batch intact, and an edited value is still found."""
    monkeypatch.setattr(sealing, "READ_ROWS", read_rows)
    spec = {"code": "every_type", "name": "各类型字段", "key": [],
            "columns": [{"name": n, "type": t, "label": "名称" if n == "name" else n} for n, t in EVERY_TYPE]}
    dataset = dataset_define(actor=world.officer, spec=spec)
    text = every_type_rows(100)
    batch = batch_create(actor=world.officer, dataset=dataset, mode="append",
                         upload=SimpleUploadedFile("all.csv", text.encode("gbk")), background=False)
    assert batch.status == "done", batch.error_summary
    seal = batch.seal
    with duckdb_connect() as con:
        names = ", ".join(f'"{n}"' for n, _t in EVERY_TYPE)
        stored = con.execute(f"SELECT {names} FROM ds_every_type WHERE qs_batch = ?", [batch.pk]).fetchall()
        nulls = con.execute("SELECT " + ", ".join(f'count(*) FILTER (WHERE "{n}" IS NULL)' for n, _t in EVERY_TYPE)
                            + " FROM ds_every_type").fetchone()
    assert len(stored) == 100 and all(nulls) and stored[1][0] == "站点1号" and stored[1][2] == Decimal("-263.01")
    texts = [[text_of(v, t) for v, (_n, t) in zip(row, EVERY_TYPE, strict=True)] for row in stored]
    assert (seal.version, seal.row_count, seal.rows_sha256) == (2, 100, reference().rows_hash(EVERY_TYPE, texts)[1])
    report = verify_datasets([dataset])
    assert report.ok and report.row_count == 100
    duck("UPDATE ds_every_type SET ok = NOT ok WHERE n = 13")
    assert [(f.batch_id, f.kind) for f in verify_datasets([dataset]).findings] == [(batch.pk, "rows_changed")]


def test_the_import_hashes_the_rows_it_wrote_not_older_ones(tmp_path):
    """Appending to a table that holds other batches: the import's hash covers its own rows, in stored order."""
    source = Path(tmp_path) / "w.csv"
    source.write_text(HEADER + MORE_ROWS + GOOD_ROWS, encoding="utf-8")
    con = duckdb.connect()
    columns = parse_spec(WATER_SPEC)["columns"]
    first = import_file(con, path=source, original_name="w.csv", table="t", columns=columns, key=[],
                        mode="append", batch_id=1)
    second = import_file(con, path=source, original_name="w.csv", table="t", columns=columns, key=[],
                         mode="append", batch_id=2)
    assert first.rows_sha256 == second.rows_sha256 == sealing.batch_hash(con, "t", COLUMNS, 2)[1]
    assert first.table_rows == 4 and second.table_rows == 8
