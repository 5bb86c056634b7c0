"""A data officer imports a GBK CSV through the page and watches the progress bar reach 100 % (issue 4), the import
run by the background worker from the job queue (issue 15)."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "断面编码,断面名称,监测日期,化学需氧量,样品数,水质类别,经度,纬度\n"
ROWS = "".join(f"S{i:04d},青山桥{i}号断面,2026-03-01,{i % 90}.5,3,II,117.3,30.2\n" for i in range(3000))


@pytest.fixture
def water(transactional_db, settings, tmp_path):
    from qingshan.datasets.services import dataset_define
    from qingshan.datasets.tests.conftest import WATER_SPEC
    from qingshan.problems.testing.world import build_world

    settings.DATASETS_DIR = tmp_path / "datasets"
    world = build_world()
    return dataset_define(actor=world.officer, spec=WATER_SPEC)


def test_officer_imports_a_gbk_csv_and_sees_progress_and_preview(page, login, live_server, water, worker, tmp_path):
    path = tmp_path / "断面水质.csv"
    path.write_bytes((HEADER + ROWS).encode("gbk"))
    login("officer")
    page.goto(f"{live_server.url}/datasets/")
    page.click("text=断面水质监测")
    # The list has an 导入数据 button of its own: press the one on the data set's page, once that page is shown.
    expect(page.locator("h1")).to_contain_text("断面水质监测")
    page.click("a:has-text('导入数据')")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('开始导入')")
    page.wait_for_url("**/datasets/batches/**")
    # The page polls every second; on a loaded machine the import itself takes a while.
    expect(page.locator("#batch-progress")).to_have_text("100 %", timeout=60_000)
    expect(page.locator("#batch-result")).to_contain_text("导入完成：3000 行已追加。")
    expect(page.locator("#batch-status")).to_contain_text("编码 GBK")
    page.click("#batch-result a")
    expect(page.locator("#preview-table")).to_contain_text("青山桥0号断面")
    expect(page.locator("#batch-table")).to_contain_text("已完成")
