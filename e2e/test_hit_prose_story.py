"""Issue 15 in a real browser: a reading file written the officer's way (Chinese headers, 氨氮, 是/否) is imported,
the model's hit is named 青山桥 and placed in 江岸区, its evidence reads in Chinese, and the problem made from it
reads like an officer wrote it."""
import pytest
from playwright.sync_api import expect

from e2e.support import datacheck_world, htmx_ready, import_through_page
from qingshan.datacheck import services
from qingshan.datacheck.models import Hit
from qingshan.datacheck.tests.test_hit_prose import READINGS, SECTIONS, SPEC
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.services import dataset_define, dataset_load_rows

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    with datacheck_world(settings, tmp_path) as w:
        sections = dataset_define(actor=w.officer, spec=SECTIONS)
        dataset_define(actor=w.officer, spec=READINGS)
        dataset_load_rows(actor=w.officer, dataset=sections, mode=ImportMode.REPLACE, rows=[
            {"code": "S01", "name": "青山桥", "water_body": "river", "target_class": 3, "district": "江岸区"}])
        yield w


def test_a_chinese_file_gives_a_hit_and_a_problem_that_read_like_an_officer_wrote_them(
        world, worker, login, live_server, tmp_path):
    model = services.checkmodel_create(actor=world.officer, code="hp_over_target", name="断面水质劣于目标",
                                       spec_text=SPEC, problem_category=world.water_pollution)
    services.checkmodel_set_enabled(actor=world.officer, model=model, enabled=True)
    data = tmp_path / "断面监测.csv"
    data.write_text("断面编码,采样日期,监测项目,监测值,超标倍数,未检出\n"
                    "S01,2026-02-25,氨氮,1.8,0.3,否\n"
                    "S01,2026-02-25,总磷,0.05,0,是\n", encoding="utf-8")

    page = login("officer")
    import_through_page(page, live_server.url, "hp_readings", data, rows=2)

    page.goto(f"{live_server.url}/datacheck/models/{model.pk}/")
    page.click("button:has-text('立即运行')")
    expect(page.locator("#run-facts")).to_contain_text("已完成")

    # The triage list names the section, not its code; the hit page reads its evidence in Chinese.
    page.goto(f"{live_server.url}/datacheck/triage/")
    row = page.locator("#hits tbody tr", has_text="青山桥")
    expect(row).to_have_count(1)
    row.locator("a:has-text('青山桥')").click()
    evidence = page.locator("#evidence")
    expect(evidence.locator("thead")).to_contain_text("采样日期监测项目监测值超标倍数未检出断面名称水体类型评价类别目标类别")
    expect(evidence.locator("tbody")).to_contain_text("2026-02-25氨氮1.8 mg/L0.3否青山桥河流53")
    expect(page.locator("body")).to_contain_text("江岸区")
    expect(page.locator("body")).not_to_contain_text("nh3n")

    page.goto(f"{live_server.url}/datacheck/triage/")
    row = page.locator("#hits tbody tr", has_text="青山桥")
    htmx_ready(page)
    row.locator("select[name=category]").select_option(label="水污染")
    row.locator("button:has-text('转为问题')").click()
    hit = Hit.objects.get(model=model)
    expect(page.locator(f"#hit-{hit.pk}")).to_contain_text("QS-2026-")
    hit.refresh_from_db()
    page.goto(f"{live_server.url}/problems/{hit.problem.pk}/")
    body = page.locator("body")
    expect(body).to_contain_text("断面水质劣于目标：青山桥（江岸区）")
    expect(body).to_contain_text("监测项目：氨氮；监测值：1.8 mg/L；超标倍数：0.3；未检出：否；"
                                 "断面名称：青山桥；水体类型：河流")
    expect(body).not_to_contain_text("below_dl")
