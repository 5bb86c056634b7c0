"""我的待办 and the reminders inbox in a real browser (issue 15): a unit handler's own problems come first, then the
bureau's, with counts matching the lists; opening a problem reads its reminder; 全部标为已读 with a filter; a report
submitted with a photo is seen and downloaded by the reviewer, and returning it reaches the assignee's inbox."""
import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import htmx_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.problems.models import Source
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # the server's clock is pinned, the browser's is not
    with time_machine.travel(WORLD_NOW, tick=True):
        w = build_world()
        Source.objects.create(code="report", name="监督报告")
        yield w


def _overdue(world, title, handler):
    """A problem of the ecology bureau signed by `handler`, its deadline passed last Friday (set-up)."""
    from qingshan.problems.choices import State
    from qingshan.problems.models import Problem
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(world, State.SIGNED, handler=handler, title=title)
    Problem.objects.filter(pk=problem.pk).update(handle_deadline=dt.date(2026, 2, 27))
    return problem


def test_own_items_first_then_the_units_and_reminders_read_by_opening_and_all_at_once(world, login, live_server):
    from qingshan.problems.choices import State
    from qingshan.problems.testing.flows import drive_to
    from qingshan.reminders.sweep import run_sweep

    mine = [_overdue(world, title, world.eco_handler) for title in ("青山河排污口夜间偷排", "工地夜间施工扬尘")]
    colleagues = _overdue(world, "垃圾中转站渗滤液外溢", world.eco_head)
    drive_to(world, State.DISPATCHED, title="新交办的餐饮油烟问题")
    run_sweep()  # Monday 2 March 2026: the three handling deadlines are red

    page = login("eco_handler")
    own, org = page.locator("section[data-section=own]"), page.locator("section[data-section=org]")
    expect(own).to_contain_text("本人事项")
    expect(org).to_contain_text("本单位事项")
    assert page.locator("section[data-section]").evaluate_all("s => s.map(e => e.dataset.section)") == ["own", "org"]
    expect(own.locator("[data-queue=to_handle] .badge")).to_have_text("2")
    expect(org.locator("[data-queue=to_handle] .badge")).to_have_text("1")
    expect(org.locator("[data-queue=to_sign] .badge")).to_have_text("1")
    # The page opens on the handler's own items: exactly the two they signed, as the count says.
    rows = page.locator("#worklist-items tbody tr")
    expect(rows).to_have_count(2)
    for problem in mine:
        expect(page.locator("#worklist-items")).to_contain_text(problem.number)
    org.locator("[data-queue=to_handle]").click()
    expect(page.locator("#worklist-items")).to_have_attribute("data-chosen-section", "org")
    expect(rows).to_have_count(1)
    expect(page.locator("#worklist-items")).to_contain_text(colleagues.number)

    # Opening a problem from its reminder reads that reminder (and only it).
    expect(page.locator("#nav-reminders-unread")).to_have_text("3")
    page.click("#nav-reminders")
    expect(page.locator("h1")).to_have_text("提醒")
    page.click(f"#reminder-list a:has-text('{mine[0].title}')")
    expect(page.locator("body")).to_contain_text(mine[0].number)
    expect(page.locator("#nav-reminders-unread")).to_have_text("2")
    page.click("#nav-reminders")
    expect(page.locator("[id^=notification-]")).to_have_count(2)
    expect(page.locator("#reminder-list")).not_to_contain_text(mine[0].title)

    # Filtered to red, grouped by unit, then 全部标为已读: the inbox is empty, the badge gone.
    page.select_option("#id_stage", label="红色超期")
    page.select_option("#id_group", label="按单位")
    page.click("[data-do=filter]")
    expect(page).to_have_url(re.compile(r"stage=red"))
    expect(page.locator(".qs-group")).to_have_text([world.eco.name])
    page.click("[data-do=read-all]")
    expect(page.locator(".alert")).to_contain_text("已将 2 条提醒标为已读。")
    expect(page.locator("[id^=notification-]")).to_have_count(0)
    expect(page.locator("#nav-reminders-unread")).to_have_count(0)
    page.click("[data-tab=read]")
    expect(page.locator("[id^=notification-]")).to_have_count(3)


def test_a_report_with_a_photo_is_downloaded_by_the_reviewer_and_its_return_reaches_the_assignee(
        world, login, live_server, tmp_path):
    from qingshan.core.testing.uploads import PNG
    from qingshan.supervision import services

    plan = services.plan_create(actor=world.officer, commission=world.commission, year=2026,
                                title="2026年度生态环境监督计划", themes=["长江大保护"])
    item = services.item_create(
        actor=world.officer, plan=plan, title="入河排污口整治监督", content="排污口排查、监测、溯源、整治进展",
        basis="《长江保护法》", office=world.office, period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31), cadence="monthly", due_days=5)
    services.item_assign(actor=world.officer, item=item, orgs=[world.group])
    slot = item.slots.get(org=world.group)
    photo = tmp_path / "3号排口现场.png"
    photo.write_bytes(PNG)
    base = live_server.url

    # The group reports with a photo of the site.
    page = login("group_staff")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    page.fill("#id_summary", "本月核查排污口12处。")
    page.select_option("select[name=act-0-kind]", label="实地查看")
    page.fill("input[name=act-0-happened_on]", "2026-01-20")
    page.fill("input[name=act-0-note]", "实地查看3号排口")
    page.set_input_files("#id_files", str(photo))
    page.click("#submit-report")
    expect(page.locator("#report-v1 .report-files")).to_contain_text("[照片] 3号排口现场.png")

    # The office sees the photo with the report, downloads it, and returns the report.
    page = login("officer")
    page.goto(f"{base}/supervision/slots/{slot.pk}/")
    link = page.locator("#report-v1 .report-files a")
    expect(link).to_contain_text("3号排口现场.png")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "3号排口现场.png"
    assert open(download.value.path(), "rb").read() == PNG
    page.check("#review-form input[value=return]")
    page.fill("#id_comment", "照片看不清排口编号，请补拍。")
    page.click("#review-form button[type=submit]")
    expect(page.locator("#slot-state")).to_contain_text("退回修改")

    # The group finds it in its reminders and in 我的待办 as its own returned report.
    page = login("group_staff")
    expect(page.locator("section[data-section=own] [data-queue=reports_returned] .badge")).to_have_text("1")
    expect(page.locator("#nav-reminders-unread")).to_have_text("1")
    page.click("#nav-reminders")
    row = page.locator("[id^=notification-]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("退回修改")
    expect(row).to_contain_text("审核意见：照片看不清排口编号，请补拍。")
    htmx_ready(page)
    row.locator(f"a:has-text('{item.title}')").click()
    expect(page.locator("#report-form")).to_contain_text("退回意见：照片看不清排口编号，请补拍。")
    expect(page.locator("#nav-reminders-unread")).to_have_count(0)
