"""A long ledger export in a real browser (issue 15): 导出 on the problem ledger queues a background job, the page
follows its progress, and the download link appears when the worker has written the workbook."""
import io
import time

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_problem_ledger_export_runs_in_the_background_with_progress_and_a_download(
        world, worker, login, live_server, monkeypatch):
    from qingshan.ledgers import exports, services
    from qingshan.problems.testing.flows import new_problem

    for _ in range(6):
        new_problem(world)
    # A slow export: one row per chunk and a pause after each, so the page sees it running.
    monkeypatch.setattr(services, "CHUNK_SIZE", 1)
    record = exports._Progress.__call__

    def slowly(self, rows):
        record(self, rows)
        time.sleep(0.5)

    monkeypatch.setattr(exports._Progress, "__call__", slowly)

    page = login("officer")
    page.goto(f"{live_server.url}/ledgers/problems/")
    page.click("#ledger-export")
    page.wait_for_url("**/ledgers/exports/**")
    expect(page.locator("#export-progress")).to_contain_text("已写入", timeout=30_000)
    expect(page.locator("#export-status")).to_have_text("运行中")
    expect(page.locator("#export-result")).to_contain_text("导出完成：共 6 行。", timeout=30_000)
    expect(page.locator("#export-status")).to_have_text("已完成")
    with page.expect_download() as info:
        page.click("#export-download")
    download = info.value
    assert download.suggested_filename.startswith("问题清单台账_2026") and download.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True).active.iter_rows(
        values_only=True))
    assert rows[0][0] == "问题清单台账" and len(rows) == 3 + 6

    # A week later the sweep has deleted the file: the same page says so, and offers no download.
    import datetime as dt

    from django.utils import timezone

    assert exports.expire_exports(now=timezone.now() + dt.timedelta(days=8)) == 1
    page.reload()
    expect(page.locator("#export-status")).to_have_text("已过期")
    expect(page.locator("#export-expired")).to_contain_text("导出完成后保留 7 天")
    expect(page.locator("#export-download")).to_have_count(0)
