"""A confirmed hit keeps the seals of its evidence's batches (issue 16): its page says whether the rows are still
those imported, and its evidence package verifies with the stand-alone tools/verify_evidence.py — and fails after
any byte of a row is changed."""
import contextlib
import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import time_machine

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import evidence, services
from qingshan.datacheck.models import CheckModel, EvidenceExport, Hit
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.models import BatchSeal
from qingshan.datasets.storage import duckdb_connect
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db
VERIFIER = Path(__file__).resolve().parents[3] / "tools" / "verify_evidence.py"


@pytest.fixture
def confirmed(db, settings, tmp_path):
    w = setup_dc(build_world(), settings, tmp_path)
    with time_machine.travel(WORLD_NOW, tick=True):
        w.model = make_model(w)
        # The hit's evidence (S1) is in the first batch only; the second batch is read by the model but holds none.
        w.load(row("S1", 9), row("S3", 2, day="2026-03-02", name="带,逗号\"引号\\"))
        w.load(row("S2", 1, name=None), row("S4", None), mode=ImportMode.APPEND)
        services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=w.model.pk))
        w.hit = services.hit_confirm(actor=w.officer, hit=Hit.objects.get(subject_key="S1"))
        yield w


def package_of(w) -> bytes:
    """The hit's evidence package as the worker writes it (queued, then run through the real queue)."""
    job = evidence.export_submit(actor=w.officer, hit=w.hit)
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.status == "done", job.error
    return Path(job.stored_path).read_bytes()


def verifier_module():
    spec = importlib.util.spec_from_file_location("verify_evidence", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verify(data: bytes, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    return subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60)


def rewrite(data: bytes, name: str, change) -> bytes:
    """The same zip with one member's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            new.writestr(item.filename, change(content) if item.filename == name else content)
    return out.getvalue()


def test_the_confirmed_hit_keeps_the_seals_and_its_page_says_the_evidence_is_intact(confirmed, client):
    w = confirmed
    first, second = BatchSeal.objects.filter(dataset__code="dc_sites").order_by("sequence")
    assert list(w.hit.evidence_seals.all()) == [first]
    event = AuditEvent.objects.get(object_type="datacheck.hit", object_id=w.hit.pk, action="confirm")
    assert sorted(event.payload["seals"]) == sorted(w.hit.evidence_seals.values_list("seal", flat=True))
    client.force_login(w.officer)
    page = client.get(f"/datacheck/hits/{w.hit.pk}/").content.decode()
    assert "证据自导入后未被改动" in page
    # A batch the evidence did not come from is none of the hit's concern.
    with duckdb_connect(read_only=False) as con:
        con.execute("UPDATE ds_dc_sites SET value = 4 WHERE site = 'S2'")
    page = client.get(f"/datacheck/hits/{w.hit.pk}/").content.decode()
    assert "证据自导入后未被改动" in page and f"#{second.batch_id}" not in page
    with duckdb_connect(read_only=False) as con:
        con.execute("UPDATE ds_dc_sites SET value = 4 WHERE site = 'S1'")
    page = client.get(f"/datacheck/hits/{w.hit.pk}/").content.decode()
    assert "证据自导入后未被改动" not in page and "证据所在批次未通过校验" in page
    assert "数据内容被修改" in page


def test_the_package_verifies_and_fails_after_any_byte_of_a_row_changes(confirmed, tmp_path):
    w = confirmed
    data = package_of(w)
    ok = verify(data, tmp_path)
    assert ok.returncode == 0, ok.stdout
    assert "校验通过：1 个封存批次" in ok.stdout
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        manifest = json.loads(package.read("manifest.json"))
        rows_file = manifest["seals"][0]["rows_file"]
        rows = package.read(rows_file)
        assert "model/compiled.sql" in package.namelist() and b"SELECT" in package.read("model/compiled.sql")
    assert manifest["model"]["version"] == 1 and {s["seal"] for s in manifest["seals"]} == set(
        w.hit.evidence_seals.values_list("seal", flat=True))
    assert "带,逗号" in rows.decode()  # a value with a comma, a quote and a backslash travels intact
    # Every byte of every row changed in turn, with the manifest's file hash updated to match (a careful forger):
    # each is caught (the stand-alone script, run in this process to keep the loop quick).
    module, path = verifier_module(), tmp_path / "tampered.zip"
    header_end = rows.index(b"\n") + 1
    for offset in range(header_end, len(rows)):
        changed = rows[:offset] + bytes([rows[offset] ^ 0x01]) + rows[offset + 1:]

        def forge(content, changed=changed):
            doc = json.loads(content)
            doc["files"][rows_file] = hashlib.sha256(changed).hexdigest()
            return json.dumps(doc).encode()

        path.write_bytes(rewrite(rewrite(data, rows_file, lambda _c, changed=changed: changed), "manifest.json", forge))
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = module.main(["verify_evidence.py", str(path)])
        said = out.getvalue()
        assert status == 1 and ("校验未通过" in said or "无法读取" in said), (offset, said)
    # The rows file changed but the manifest left alone: the file hash already says so.
    bad = verify(rewrite(data, rows_file, lambda c: c.replace(b"S3", b"S5")), tmp_path)
    assert bad.returncode == 1 and f"文件 {rows_file} 的 SHA-256 与清单不符" in bad.stdout


def _seal_by_first_build(seal: BatchSeal) -> None:
    """Make `seal` as the first build made it (seal algorithm version 1) and re-chain the data set's later seals."""
    from qingshan.datasets.sealing import rows_hash_v1, seal_of, text_of

    names = ", ".join(f'"{n}"' for n, _t in seal.columns)
    with duckdb_connect() as con:
        rows = con.execute(f"SELECT {names} FROM {seal.dataset.table} WHERE qs_batch = ?", [seal.batch_id]).fetchall()
    texts = [[text_of(v, t) for v, (_n, t) in zip(r, seal.columns, strict=True)] for r in rows]
    _count, seal.rows_sha256 = rows_hash_v1(texts)
    seal.version = 1
    for one in BatchSeal.objects.filter(dataset=seal.dataset, sequence__gte=seal.sequence).order_by("sequence"):
        one = seal if one.pk == seal.pk else one
        before = BatchSeal.objects.filter(dataset=seal.dataset, sequence=one.sequence - 1).first()
        one.previous_seal = before.seal if before else ""
        one.seal = seal_of(dataset=one.dataset.code, batch=one.batch_id, previous=one.previous_seal,
                           columns=[tuple(c) for c in one.columns], rows=one.row_count, rows_sha256=one.rows_sha256,
                           file_sha256=one.file_sha256, importer=one.importer_name, sealed_at=one.sealed_at,
                           version=one.version)
        one.save()


def test_a_package_of_a_batch_sealed_by_the_first_build_verifies_by_version_1(confirmed, tmp_path):
    w = confirmed
    _seal_by_first_build(w.hit.evidence_seals.get())
    data = package_of(w)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        manifest = json.loads(package.read("manifest.json"))
        rows_file = manifest["seals"][0]["rows_file"]
        rows = package.read(rows_file)
    assert [s["version"] for s in manifest["seals"]] == [1]
    ok = verify(data, tmp_path)
    assert ok.returncode == 0 and "封存算法第 1 版" in ok.stdout, ok.stdout
    # A value changed, the file hash in the manifest forged to match: version 1 catches it too.
    changed = rows.replace(b"S3", b"S5")

    def forge(content):
        doc = json.loads(content)
        doc["files"][rows_file] = hashlib.sha256(changed).hexdigest()
        return json.dumps(doc).encode()

    bad = verify(rewrite(rewrite(data, rows_file, lambda _c: changed), "manifest.json", forge), tmp_path)
    assert bad.returncode == 1 and "数据行哈希与封存不符" in bad.stdout, bad.stdout


def test_export_runs_in_the_background_and_the_page_follows_it_to_the_download(confirmed, client):
    w = confirmed
    client.force_login(w.officer)
    hit_page = client.get(f"/datacheck/hits/{w.hit.pk}/").content.decode()
    assert 'id="evidence-package"' in hit_page
    response = client.post(f"/datacheck/hits/{w.hit.pk}/evidence/")
    job = EvidenceExport.objects.get(hit=w.hit)
    assert response.status_code == 302 and response["Location"] == f"/datacheck/evidence/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "evidence-download" not in page
    assert client.get(f"/datacheck/evidence/{job.pk}/download/").status_code == 404  # not written yet
    assert run_queued_jobs() == 1
    partial = client.get(f"/datacheck/evidence/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    job.refresh_from_db()
    assert "证据包已生成：共 2 行" in partial and job.sha256 in partial
    download = client.get(f"/datacheck/evidence/{job.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert zipfile.ZipFile(io.BytesIO(data)).read("verify_evidence.py") == VERIFIER.read_bytes()
    actions = list(AuditEvent.objects.filter(object_type="datacheck.hit", object_id=w.hit.pk).order_by("seq")
                   .values_list("action", flat=True))
    assert actions[-2:] == ["evidence_export", "evidence_export_done"]
    done = AuditEvent.objects.get(object_type="datacheck.hit", object_id=w.hit.pk, action="evidence_export_done")
    assert done.payload["package_sha256"] == job.sha256 and done.payload["rows"] == 2


def test_only_triagers_export_and_download(confirmed, client):
    w = confirmed
    with pytest.raises(PermissionRefused):
        evidence.export_submit(actor=w.leader, hit=w.hit)
    assert not EvidenceExport.objects.exists()
    package_of(w)
    job = EvidenceExport.objects.get()
    client.force_login(w.leader)
    assert 'id="evidence-package"' not in client.get(f"/problems/{w.hit.problem_id}/").content.decode()
    assert client.get(f"/datacheck/evidence/{job.pk}/").status_code == 404
    assert client.get(f"/datacheck/evidence/{job.pk}/download/").status_code == 404


def test_an_export_whose_batch_was_replaced_before_it_ran_fails_in_chinese_and_leaves_no_file(confirmed, client):
    w = confirmed
    job = evidence.export_submit(actor=w.officer, hit=w.hit)
    w.load(row("S1", 3))  # 替换全部数据: the evidence's batch is gone before the worker gets to it
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and "已被后来的替换导入取代" in job.error
    assert not job.stored_path or not Path(job.stored_path).exists()
    assert AuditEvent.objects.filter(object_id=w.hit.pk, action="evidence_export_failed").exists()
    client.force_login(w.officer)
    assert "生成失败" in client.get(f"/datacheck/evidence/{job.pk}/").content.decode()


def test_the_problem_it_became_shows_the_evidence_state_to_supervisors_only(confirmed, client):
    w = confirmed
    client.force_login(w.officer)
    page = client.get(f"/problems/{w.hit.problem_id}/").content.decode()
    assert "证据自导入后未被改动" in page
    with duckdb_connect(read_only=False) as con:
        con.execute("DELETE FROM ds_dc_sites WHERE site = 'S3'")
    page = client.get(f"/problems/{w.hit.problem_id}/").content.decode()
    assert "证据所在批次未通过校验" in page and "封存 2 行，现存 1 行" in page


def test_the_hit_keeps_every_batch_holding_its_rows_and_only_those(db, settings, tmp_path):
    w = setup_dc(build_world(), settings, tmp_path)
    with time_machine.travel(WORLD_NOW, tick=True):
        w.model = make_model(w)
        w.load(row("S1", 9), row("S2", 1))
        w.load(row("S9", 1, day="2026-03-02"), mode=ImportMode.APPEND)
        w.load(row("S1", 8, day="2026-03-03"), mode=ImportMode.APPEND)
        services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=w.model.pk))
        # Imported after the run that showed the hit (before it is confirmed): not where its evidence came from.
        w.load(row("S1", 7, day="2026-03-04"), mode=ImportMode.APPEND)
        hit = services.hit_confirm(actor=w.officer, hit=Hit.objects.get(subject_key="S1"))
    seals = list(BatchSeal.objects.filter(dataset__code="dc_sites").order_by("sequence"))
    assert len(seals) == 4
    assert list(hit.evidence_seals.order_by("sequence")) == [seals[0], seals[2]]
    event = AuditEvent.objects.get(object_type="datacheck.hit", object_id=hit.pk, action="confirm")
    assert sorted(event.payload["seals"]) == sorted([seals[0].seal, seals[2].seal])


LIMITS = {"code": "dc_limits", "name": "测试排口限值", "key": ["site"], "subject": ["site"],
          "columns": [{"name": "site", "type": "string", "label": "排口编码", "required": True},
                      {"name": "cap", "type": "decimal", "label": "限值"}]}
REFERENCE_SPEC = """\
code: dc_over_cap
name: 排口读数超过限值
kind: threshold
version: 1
owner: 第一监督检查室
dataset: dc_sites
subject: {columns: [site], label: site_name}
evidence: [site, day, dc_limits.cap]
threshold: {value: value, op: ">", reference: {dataset: dc_limits, join: {site: site}, value: cap}}
"""


def test_a_joined_second_data_set_keeps_only_the_batch_holding_the_joined_rows(db, settings, tmp_path):
    from qingshan.datasets.services import dataset_define, dataset_load_rows

    w = setup_dc(build_world(), settings, tmp_path)
    with time_machine.travel(WORLD_NOW, tick=True):
        limits = dataset_define(actor=w.officer, spec=LIMITS)
        dataset_load_rows(actor=w.officer, dataset=limits, rows=[{"site": "S1", "cap": 5}])
        dataset_load_rows(actor=w.officer, dataset=limits, rows=[{"site": "S9", "cap": 5}])
        w.load(row("S1", 9), row("S9", 1))
        model = make_model(w, code="dc_over_cap", spec=REFERENCE_SPEC)
        services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=model.pk))
        hit = services.hit_confirm(actor=w.officer, hit=Hit.objects.get(model=model, subject_key="S1"))
    s1_limit, _s9_limit = BatchSeal.objects.filter(dataset__code="dc_limits").order_by("sequence")
    sites = BatchSeal.objects.get(dataset__code="dc_sites")
    assert set(hit.evidence_seals.all()) == {sites, s1_limit}
