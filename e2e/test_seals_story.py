"""A commission leader checks that the data sets are still what was imported (issue 16): the 封存校验 page lists the
sealed batches, 立即校验 queues a verification the worker runs, and a row edited in DuckDB afterwards shows up."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sealed(transactional_db, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qingshan.datasets.services import batch_create, dataset_define
    from qingshan.datasets.tests.conftest import GOOD_ROWS, HEADER, WATER_SPEC
    from qingshan.problems.testing.world import build_world

    settings.DATASETS_DIR = tmp_path / "datasets"
    world = build_world()
    water = dataset_define(actor=world.officer, spec=WATER_SPEC)
    return batch_create(actor=world.officer, dataset=water, background=False,
                        upload=SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode()))


def test_leader_verifies_the_seals_and_sees_the_edited_batch(page, login, live_server, sealed, worker):
    login("leader")
    page.goto(f"{live_server.url}/datasets/")
    page.click("#link-seals")
    card = page.locator("#seal-water_readings")
    expect(card).to_contain_text("尚未校验")
    expect(card).to_contain_text(f"#{sealed.pk} w.csv")
    page.click("#verify-now")
    expect(page.locator("body")).to_contain_text("已提交校验")
    for _ in range(60):  # the worker runs the job in the background; the page shows the outcome once it is done
        page.reload()
        if "数据自导入后未被改动" in card.inner_text():
            break
        page.wait_for_timeout(500)
    expect(card).to_contain_text("数据自导入后未被改动")

    from qingshan.datasets.storage import duckdb_connect

    with duckdb_connect(read_only=False) as con:
        con.execute("UPDATE ds_water_readings SET cod = 1 WHERE section = 'S02'")
    page.click("#verify-now")
    # Reloading while the form's own navigation is under way detaches the page: wait for the answer first.
    expect(page.locator("body")).to_contain_text("已提交校验")
    for _ in range(60):
        page.reload()
        if "未通过校验" in card.inner_text():
            break
        page.wait_for_timeout(500)
    expect(card).to_contain_text("1 个批次未通过校验")
    expect(card).to_contain_text("行数未变，但数据内容在封存后被修改")
