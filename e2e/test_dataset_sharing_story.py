"""The city shares a data set with a district commission on the data set's page, the district sees it, the city
revokes the share and the district no longer does (issue 9 defect 5)."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from qingshan.datasets.services import dataset_define
    from qingshan.datasets.tests.conftest import WATER_SPEC
    from qingshan.problems.testing.world import build_world

    settings.DATASETS_DIR = tmp_path / "datasets"
    world = build_world()
    world.water = dataset_define(actor=world.officer, spec=WATER_SPEC)
    return world


def test_the_city_shares_a_data_set_with_a_district_and_revokes_it(page, login, live_server, world):
    detail = f"{live_server.url}/datasets/{world.water.code}/"
    login("district_staff")
    page.goto(f"{live_server.url}/datasets/")
    expect(page.locator("main, body").first).not_to_contain_text("断面水质监测")
    assert page.goto(detail).status == 404

    login("officer")
    page.goto(detail)
    expect(page.locator("#dataset-owner")).to_have_text("青山市纪委监委")
    expect(page.locator("#share-table")).to_contain_text("未共享给其他单位。")
    page.click("#share-form button[type=submit]")  # nothing chosen, no reason: refused in Chinese
    expect(page.locator("#share-form")).to_contain_text("请选择共享给哪个单位。")
    page.select_option("#id_org", label="绿水区纪委监委")
    page.fill("#id_reason", "绿水区水质专项监督")
    page.click("#share-form button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("已共享给“绿水区纪委监委”。")
    expect(page.locator("#share-table")).to_contain_text("绿水区水质专项监督")

    login("district_staff")
    page.goto(f"{live_server.url}/datasets/")
    page.click("text=断面水质监测")
    expect(page.locator("h1")).to_contain_text("断面水质监测")
    expect(page.locator("#share-form")).to_have_count(0)  # only the owner manages sharing

    login("officer")
    page.goto(detail)
    page.click("#share-table button:has-text('撤销共享')")
    expect(page.locator("[role=alert]")).to_contain_text("已撤销共享。")
    expect(page.locator("#share-table")).to_contain_text("未共享给其他单位。")

    login("district_staff")
    assert page.goto(detail).status == 404
