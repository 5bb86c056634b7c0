"""The data-comparison work loop of issue 4 in a real browser: import a file, run a model, confirm a hit, and find
the new problem in 问题清单."""
import pytest
from playwright.sync_api import expect

from e2e.support import datacheck_world, htmx_ready, import_through_page
from qingshan.datacheck import services
from qingshan.datacheck.models import Hit
from qingshan.datasets.services import dataset_define

pytestmark = pytest.mark.django_db(transaction=True)

SITES = {
    "code": "outfalls",
    "name": "排口在线监测",
    "key": ["site", "day"],
    "subject": ["site"],
    "location": {"lng": "lng", "lat": "lat"},
    "columns": [
        {"name": "site", "type": "string", "label": "排口编码", "required": True},
        {"name": "site_name", "type": "string", "label": "排口名称"},
        {"name": "day", "type": "date", "label": "日期", "required": True},
        {"name": "cod", "type": "decimal", "label": "化学需氧量"},
        {"name": "lng", "type": "double", "label": "经度"},
        {"name": "lat", "type": "double", "label": "纬度"},
    ],
}
SPEC = """\
code: outfall_cod_over
name: 排口化学需氧量超标
kind: threshold
version: 1
owner: 第一监督检查室
dataset: outfalls
subject: {columns: [site], label: site_name}
evidence: [site, site_name, day]
location: {lng: lng, lat: lat}
threshold: {value: cod, op: ">", limit: 50}
"""


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    with datacheck_world(settings, tmp_path) as w:
        w.outfalls = dataset_define(actor=w.officer, spec=SITES)
        yield w


def test_import_run_confirm_and_find_the_problem(world, worker, login, live_server, tmp_path):
    # The model exists (disabled, as every new model) and is enabled by the officer after a dry run.
    model = services.checkmodel_create(actor=world.officer, code="outfall_cod_over", name="排口化学需氧量超标",
                                       spec_text=SPEC, problem_category=world.water_pollution)
    data = tmp_path / "排口监测.csv"
    data.write_text("site,site_name,day,cod,lng,lat\n"
                    "P01,青山河3号排口,2026-03-01,86.5,117.31,30.21\n"
                    "P02,绿水闸排口,2026-03-01,12.0,117.22,30.11\n", encoding="gbk")

    # A data officer imports a GBK CSV through the data set's import page.
    page = login("officer")
    import_through_page(page, live_server.url, "outfalls", data, rows=2)

    # On the model page: dry run (preview, no hits), enable, run now.
    page.click("text=数据比对")
    page.click("text=排口化学需氧量超标")
    page.click("button:has-text('试运行')")
    expect(page.locator("#preview")).to_contain_text("青山河3号排口")
    expect(page.locator("#preview")).not_to_contain_text("绿水闸排口")
    assert not Hit.objects.exists()

    # 试运行 previews the text in the editor, unsaved: a lower limit catches the second outfall too, the editor
    # still holds the edit afterwards, and the model keeps its saved version.
    edited = SPEC.replace("limit: 50", "limit: 10")
    page.fill("#id_spec_text", edited)
    page.click("button:has-text('试运行')")
    # The second outfall first: only the new preview has it (the page being replaced may say 草稿试运行 too).
    expect(page.locator("#preview")).to_contain_text("绿水闸排口")
    expect(page.locator("#preview")).to_contain_text("草稿试运行")
    expect(page.locator("#id_spec_text")).to_have_value(edited)
    model.refresh_from_db()
    assert model.version == 1 and "limit: 50" in model.spec_text and model.versions.count() == 1
    assert not Hit.objects.exists()
    page.click("button:has-text('启用')")
    expect(page.locator("#model-state")).to_have_text("已启用")
    page.click("button:has-text('立即运行')")
    # The run is queued; the background worker runs it and the run page shows the result when it is done.
    expect(page.locator("#run-result")).to_contain_text("运行完成：命中 1 个对象，新增线索 1 条", timeout=30_000)
    expect(page.locator("#run-facts")).to_contain_text("已完成")
    expect(page.locator("#run-facts")).to_contain_text("扫描行数")

    # In the triage queue the officer confirms the hit into a problem (htmx swaps the row).
    page.click("text=查看该模型待研判线索")
    expect(page.locator("h1")).to_have_text("研判队列")
    row = page.locator("#hits tbody tr", has_text="青山河3号排口")
    expect(row).to_have_count(1)
    htmx_ready(page)
    row.locator("select[name=category]").select_option(label="水污染")
    row.locator("button:has-text('转为问题')").click()
    hit = Hit.objects.get(model=model)
    expect(page.locator(f"#hit-{hit.pk}")).to_contain_text("QS-2026-")
    hit.refresh_from_db()
    assert hit.problem is not None

    # The new problem is in 问题清单 with source 数据比对模型, and its page shows the evidence in its description.
    page.click("text=问题清单")
    listed = page.locator("tbody tr", has_text=hit.problem.number)
    expect(listed).to_contain_text("数据比对模型")
    listed.locator(f"text={hit.problem.number}").click()
    expect(page.locator("body")).to_contain_text("青山河3号排口")
