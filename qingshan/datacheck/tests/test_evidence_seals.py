"""A confirmed hit keeps the seals of its evidence's batches (issue 16): its page says whether the rows are still
those imported, and its evidence package verifies with the stand-alone tools/verify_evidence.py — and fails after
any byte of a row is changed."""
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
from qingshan.datacheck import services
from qingshan.datacheck.evidence import hit_evidence_package
from qingshan.datacheck.models import CheckModel, Hit
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
    data = hit_evidence_package(actor=w.officer, hit=w.hit).read_bytes()
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
    # One byte of a row changed, with the manifest's file hash updated to match (a careful forger): still caught.
    header_end = rows.index(b"\n") + 1
    for offset in (header_end, len(rows) - 3):
        forged = bytes([rows[offset] ^ 0x01]) if rows[offset:offset + 1] != b"\n" else b"x"
        changed = rows[:offset] + forged + rows[offset + 1:]

        def forge(content, changed=changed):
            doc = json.loads(content)
            import hashlib
            doc["files"][rows_file] = hashlib.sha256(changed).hexdigest()
            return json.dumps(doc).encode()

        tampered = rewrite(rewrite(data, rows_file, lambda _c, changed=changed: changed), "manifest.json", forge)
        bad = verify(tampered, tmp_path)
        assert bad.returncode == 1 and "校验未通过" in bad.stdout, (offset, bad.stdout)
    # The rows file changed but the manifest left alone: the file hash already says so.
    bad = verify(rewrite(data, rows_file, lambda c: c.replace(b"S3", b"S5")), tmp_path)
    assert bad.returncode == 1 and f"文件 {rows_file} 的 SHA-256 与清单不符" in bad.stdout
    assert AuditEvent.objects.filter(action="evidence_export", object_id=w.hit.pk).exists()


def test_only_triagers_export_and_the_page_offers_it(confirmed, client):
    w = confirmed
    with pytest.raises(PermissionRefused):
        hit_evidence_package(actor=w.leader, hit=w.hit)
    client.force_login(w.officer)
    response = client.get(f"/datacheck/hits/{w.hit.pk}/evidence.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("verify_evidence.py") == VERIFIER.read_bytes()


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
