"""Issue 3's browser story: a report submitted late turns yellow then red in the reminder inbox, is returned by the
office, resubmitted and approved, and the 监督清单 ledger shows the whole chain."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import htmx_ready
from qingshan.reminders.sweep import run_sweep
from qingshan.supervision import services
from qingshan.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def story(transactional_db, settings):
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    # The server runs on a date we move (the live server shares this process's clock); the browser keeps the real
    # clock, so the session cookie must not carry an expiry date computed from the server's date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True) as traveller:
        w = build_world()
        w.traveller = traveller
        w.plan = services.plan_create(actor=w.officer, commission=w.commission, year=2026,
                                      title="2026年度生态环境监督计划", themes=["长江大保护"])
        w.item = services.item_create(
            actor=w.officer, plan=w.plan, title="入河排污口整治监督", content="排污口排查、监测、溯源、整治进展",
            basis="《长江保护法》", office=w.office, period_start=dt.date(2026, 2, 1),
            period_end=dt.date(2026, 6, 30), cadence="monthly", due_days=5)
        services.item_assign(actor=w.officer, item=w.item, orgs=[w.group])
        w.slot = w.item.slots.get(org=w.group, period_start=dt.date(2026, 2, 1))
        yield w


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


def fill_report(page, summary: str, note: str):
    page.fill("#id_summary", summary)
    page.select_option('[name="act-0-kind"]', label="实地查看")
    page.fill('[name="act-0-happened_on"]', "2026-02-20")
    page.fill('[name="act-0-note"]', note)
    page.click("#submit-report")


def review(page, decision: str, comment: str = ""):
    form = page.locator("#review-form")
    form.get_by_label(decision).check()
    if comment:
        form.locator("textarea").fill(comment)
    form.locator("button[type=submit]").click()


def test_late_report_reminded_returned_approved_and_traced_in_the_ledger(story, login, live_server):
    w = story
    due = w.slot.due_date
    assert due == dt.date(2026, 3, 6)  # five working days after February

    # On the due date the sweep turns the slot yellow in the assignee's inbox.
    w.traveller.move_to(at(due))
    run_sweep()
    page = login("group_staff")
    page.goto(f"{live_server.url}/reminders/")
    row = page.locator(".list-group-item", has_text=w.slot.label)
    expect(row).to_have_attribute("data-stage", "yellow")
    expect(row.locator(".badge").first).to_have_text("黄色预警")

    # The next working day the report is late: red.
    w.traveller.move_to(at(add_working_days(due, 1)))
    run_sweep()
    page = login("group_staff")  # the session lapsed over the days the clock moved
    page.goto(f"{live_server.url}/reminders/")
    red = page.locator('.list-group-item[data-stage="red"]', has_text=w.slot.label)
    expect(red.locator(".badge").first).to_have_text("红色超期")

    # The assignee opens the reminder and submits, late.
    red.locator("a").first.click()
    fill_report(page, "二月份完成排污口核查。", "实地查看3处排污口")
    expect(page.locator("#slot-state")).to_contain_text("已报送")
    expect(page.get_by_text("迟报")).to_be_visible()

    # The office returns it with comments.
    page = login("officer")
    page.goto(f"{live_server.url}/supervision/slots/{w.slot.pk}/")
    review(page, "退回修改", "活动记录过于简单，请补充整改进展。")
    expect(page.locator("#slot-state")).to_contain_text("退回")

    # The assignee resubmits; the office head approves.
    page = login("group_staff")
    page.goto(f"{live_server.url}/supervision/slots/{w.slot.pk}/")
    expect(page.get_by_text("退回意见：活动记录过于简单，请补充整改进展。")).to_be_visible()
    fill_report(page, "二月份完成排污口核查，3处已封堵。", "实地查看3处排污口并复核封堵情况")
    # The resubmission has landed before the next person logs in (logging in would cut it off in the browser).
    expect(page.locator("#report-v2")).to_be_visible()
    expect(page.locator("#slot-state")).to_contain_text("已报送")
    page = login("office_head")
    page.goto(f"{live_server.url}/supervision/slots/{w.slot.pk}/")
    review(page, "审核通过")
    expect(page.locator("#slot-state")).to_contain_text("已通过")

    # The 监督清单 ledger: the entry is closed, reported late, and its chain runs from 建账 to 销账.
    page.locator(".navbar").get_by_role("link", name="台账").click()
    expect(page).to_have_url(re.compile(r"/ledgers/$"))
    page.click("#ledger-tabs >> text=监督清单")
    # 台账 opens on this very ledger: wait for the tab's own page, or the filter is set on the page being replaced.
    expect(page).to_have_url(re.compile(r"/ledgers/supervision/$"))
    expect(page.locator("#ledger-tabs [aria-current=page]")).to_have_text("监督清单")
    expect(page.locator("#ledger-counts")).to_contain_text("共 5 条")  # February to June, one slot a month
    htmx_ready(page)  # the filter form swaps the results through htmx
    page.select_option("#id_status", label="已销账")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"[?&]status=closed"))
    expect(page.locator("#ledger-counts")).to_contain_text("共 1 条")
    expect(page.locator("#ledger-table tbody tr")).to_have_count(1)
    expect(page.locator("#count-closed")).to_have_text("1")
    entry = page.locator(f'#ledger-table tr[data-pk="{w.slot.pk}"]')
    expect(entry).to_contain_text("已通过")
    expect(entry).to_contain_text("否")  # 按时报送: no
    entry.get_by_text("查看账链").click()
    chain = page.locator("#ledger-chain tbody tr")
    expect(chain.locator(".chain-action")).to_have_text(
        ["生成报送期次（建账）", "报送", "退回修改", "重新报送", "审核通过"])
    expect(chain.first).to_contain_text("建账")
    expect(chain.last).to_contain_text("销账")
    expect(chain.nth(2)).to_contain_text("活动记录过于简单，请补充整改进展。")
    expect(chain.nth(4)).to_contain_text("王主任")
    assert re.search(r"2026-03-0[69]", chain.nth(1).inner_text())
