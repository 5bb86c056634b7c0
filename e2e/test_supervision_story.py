"""The supervision story of issue 3 in a real browser: an item is opened and assigned, a stationed group reports a
finding, the office returns the report, the group resubmits, the office approves, and the finding is a problem."""
import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from qingshan.problems.models import Problem
from qingshan.supervision import services
from qingshan.supervision.models import ReportSlot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.problems.models import Source
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        w = build_world()
        Source.objects.create(code="report", name="监督报告")
        w.plan = services.plan_create(actor=w.officer, commission=w.commission, year=2026,
                                      title="2026年度生态环境监督计划", themes=["长江大保护"])
        yield w


def test_item_assigned_reported_returned_resubmitted_approved(world, login, live_server):
    base = live_server.url
    # The office opens an item and assigns it to the stationed group.
    page = login("officer")
    page.goto(f"{base}/supervision/items/")
    page.click("#new-item")
    page.fill("#id_title", "入河排污口整治监督")
    page.fill("#id_content", "排污口排查、监测、溯源、整治进展")
    page.select_option("#id_office", label="第一监督检查室")
    page.select_option("#id_cadence", label="每月")
    page.fill("#id_period_start", "2026-01-01")
    page.fill("#id_period_end", "2026-02-28")
    page.fill("#id_due_days", "5")
    page.click("button:has-text('建账')")
    expect(page.locator("#item-title")).to_have_text("入河排污口整治监督")
    page.select_option("#id_orgs", label="驻市生态环境局纪检监察组")
    page.click("#assign-form button[type=submit]")
    expect(page.locator("#slot-grid")).to_contain_text("驻市生态环境局纪检监察组")
    expect(page.locator("#slot-grid")).to_contain_text("2026年1月")
    slot = ReportSlot.objects.get(label="2026年1月")

    # The group reports, with an activity (a second row added through htmx) and a finding.
    page = login("group_staff")
    page.goto(f"{base}/supervision/")
    expect(page.locator("#my-slots")).to_contain_text("入河排污口整治监督")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    page.fill("#id_summary", "本月核查排污口12处。")
    page.select_option("select[name=act-0-kind]", label="实地查看")
    page.fill("input[name=act-0-happened_on]", "2026-01-20")
    page.fill("input[name=act-0-note]", "实地查看3号排口")
    page.click("#add-act")
    page.click("#add-act")
    expect(page.locator("select[name=act-3-kind]")).to_be_visible()
    page.select_option("select[name=act-3-kind]", label="暗访")
    page.fill("input[name=act-3-happened_on]", "2026-01-25")
    page.fill("input[name=act-3-note]", "夜间暗访")
    page.fill("input[name=fnd-0-title]", "3号排口夜间偷排")
    page.select_option("select[name=fnd-0-category]", label="水污染")
    page.select_option("select[name=fnd-0-region]", label="青山市")
    page.fill("textarea[name=fnd-0-description]", "暗访发现夜间排放黑水。")
    page.click("#submit-report")
    expect(page.locator("#slot-state")).to_contain_text("已报送")
    expect(page.locator("#report-v1")).to_contain_text("夜间暗访")

    # The office returns it with a comment.
    page = login("officer")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    page.check("#review-form input[value=return]")
    page.fill("#id_comment", "请补充整改跟踪情况。")
    page.click("#review-form button[type=submit]")
    expect(page.locator("#slot-state")).to_contain_text("退回修改")

    # The group resubmits; the returned version is kept.
    page = login("group_staff")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    expect(page.locator("#report-form")).to_contain_text("退回意见：请补充整改跟踪情况。")
    page.fill("#id_summary", "已补充整改跟踪情况。")
    page.select_option("select[name=act-0-kind]", label="查阅资料")
    page.fill("input[name=act-0-happened_on]", "2026-02-27")
    page.fill("input[name=act-0-note]", "查阅整改台账")
    page.click("#submit-report")
    expect(page.locator("#report-v2")).to_be_visible()
    expect(page.locator("#report-v1")).to_contain_text("已退回")

    # The office approves.
    page = login("office_head")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    page.check("#review-form input[value=approve]")
    page.click("#review-form button[type=submit]")
    expect(page.locator("#slot-state")).to_contain_text("已通过")

    # The finding is a problem in 问题清单, from the source 监督报告.
    problem = Problem.objects.get(title="3号排口夜间偷排")
    page.click("text=问题清单")
    expect(page.locator("table")).to_contain_text("3号排口夜间偷排")
    expect(page.locator("table")).to_contain_text("监督报告")
    page.click(f"text={problem.number}")
    expect(page.locator("body")).to_contain_text("暗访发现夜间排放黑水。")


def test_add_row_button_answers_a_click_made_the_moment_it_is_back(world, login, live_server):
    """The add-row button comes back in its row's response as a new button (the next index, out of band). A click on
    it right after that response must add a row: with htmx's default 20 ms settle delay the new button was in the
    page, enabled, but not yet wired up, and such a click was silently lost."""
    item = services.item_create(
        actor=world.officer, plan=world.plan, title="入河排污口整治监督", content="排污口排查、监测、溯源、整治进展",
        basis="《长江保护法》", office=world.office, period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31), cadence="monthly", due_days=5)
    services.item_assign(actor=world.officer, item=item, orgs=[world.group])
    slot = item.slots.get(org=world.group)
    page = login("group_staff")
    page.goto(f"{live_server.url}/supervision/slots/{slot.pk}/")
    rows = page.locator("#rows-act .qs-row")
    expect(rows).to_have_count(2)
    # The second click is made in the first task after the first row's response, as a quick user's would be.
    page.evaluate("""() => {
      document.body.addEventListener("htmx:afterRequest", () => {
        setTimeout(() => document.querySelector("#add-act").click(), 0);
      }, {once: true});
      document.querySelector("#add-act").click();
    }""")
    expect(rows).to_have_count(4)
    for index in (2, 3):
        expect(page.locator(f"select[name=act-{index}-kind]")).to_have_count(1)
    expect(page.locator("#add-act")).to_have_attribute("hx-get", re.compile(r"index=4$"))


def test_an_item_import_started_in_the_page_is_run_by_the_worker_and_its_result_shown_there(
        world, worker, login, live_server, tmp_path):
    import openpyxl

    from qingshan.supervision import excel
    from qingshan.supervision.models import SupervisionItem

    book = openpyxl.Workbook()
    book.active.append([c.header for c in excel.ITEMS.columns])
    book.active.append([2026, "黑臭水体整治监督", "整治进展", "", "第一监督检查室", "每月", None,
                        dt.date(2026, 1, 1), dt.date(2026, 3, 31), 5, "驻市生态环境局纪检监察组"])
    path = tmp_path / "监督事项.xlsx"
    book.save(path)

    page = login("officer")
    page.goto(f"{live_server.url}/supervision/import/items/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('导入')")
    page.wait_for_url("**/supervision/import/items/jobs/**")
    # The page follows the queued job; the worker reads the file and imports it, and the result appears here.
    expect(page.locator("#import-result")).to_have_text("导入完成：已导入 1 行。", timeout=30_000)
    expect(page.locator("#import-status")).to_have_text("已完成")
    assert SupervisionItem.objects.filter(title="黑臭水体整治监督").exists()
