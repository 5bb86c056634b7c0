"""An inspector defends a confirmed hit (issue 16): its page says the evidence is unchanged since import, 导出证据包
runs in the background and offers the zip, the stand-alone verifier passes on the downloaded file; after a row of
the evidence's batch is edited directly in DuckDB, the hit page names the batch that no longer verifies."""
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)
VERIFIER = Path(__file__).resolve().parents[1] / "tools" / "verify_evidence.py"


@pytest.fixture
def confirmed(world, settings, tmp_path):
    from qingshan.datacheck import services
    from qingshan.datacheck.models import CheckModel, Hit
    from qingshan.datacheck.tests.app_world import make_model, row, setup_dc
    from qingshan.datasets.choices import ImportMode

    w = setup_dc(world, settings, tmp_path)
    w.model = make_model(w)
    w.load(row("S1", 9), row("S2", 1))
    w.load(row("S3", 2, day="2026-03-02"), mode=ImportMode.APPEND)
    services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=w.model.pk))
    w.hit = services.hit_confirm(actor=w.officer, hit=Hit.objects.get(subject_key="S1"))
    return w


def test_inspector_exports_the_evidence_verifies_it_and_sees_a_later_edit_named(
        confirmed, worker, login, live_server, tmp_path):
    w = confirmed
    [seal] = w.hit.evidence_seals.all()  # the first batch only: the evidence (S1) is not in the second
    page = login("officer")
    page.goto(f"{live_server.url}/datacheck/hits/{w.hit.pk}/")
    expect(page.locator("#evidence-intact")).to_have_text("证据自导入后未被改动")
    page.click("#evidence-package")
    page.wait_for_url("**/datacheck/evidence/**")
    expect(page.locator("#evidence-export-result")).to_contain_text("证据包已生成：共 2 行", timeout=60_000)
    expect(page.locator("#evidence-export-status")).to_have_text("已完成")
    with page.expect_download() as info:
        page.click("#evidence-download")
    download = info.value
    assert download.suggested_filename.startswith("证据包-线索") and download.suggested_filename.endswith(".zip")
    saved = tmp_path / "证据包.zip"
    download.save_as(saved)
    checked = subprocess.run([sys.executable, str(VERIFIER), str(saved)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout
    assert "校验通过：1 个封存批次的数据行与封存一致" in checked.stdout and seal.seal in checked.stdout

    from qingshan.datasets.storage import duckdb_connect

    with duckdb_connect(read_only=False) as con:
        con.execute("UPDATE ds_dc_sites SET value = 4 WHERE site = 'S2'")
    page.goto(f"{live_server.url}/datacheck/hits/{w.hit.pk}/")
    expect(page.locator("#evidence-broken")).to_contain_text("证据所在批次未通过校验")
    expect(page.locator("#evidence-seals")).to_contain_text(f"批次 #{seal.batch_id}（测试排口读数）未通过校验")
    expect(page.locator("#evidence-seals")).to_contain_text("数据内容被修改")
    expect(page.locator("#evidence-intact")).to_have_count(0)
