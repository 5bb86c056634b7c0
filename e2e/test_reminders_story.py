"""A unit handler sees the unread badge, opens the inbox, snoozes one reminder with a reason and marks one read."""
import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import htmx_ready
from qingshan.problems.models import Problem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # the server's clock is pinned, the browser's is not
    with time_machine.travel(WORLD_NOW, tick=True):
        yield build_world()


def test_unread_badge_inbox_snooze_and_mark_read(world, login, live_server):
    from qingshan.problems import services
    from qingshan.problems.testing.flows import new_problem
    from qingshan.reminders.sweep import run_sweep

    titles = ["青山河排污口夜间偷排", "工地夜间施工扬尘", "垃圾中转站渗滤液外溢"]
    for title in titles:
        problem = services.problem_dispatch(actor=world.officer, problem=new_problem(world, title=title),
                                            lead_unit=world.eco)
        # Set-up: the deadline passed last Friday, so the sweep on Monday 2 March 2026 turns them red.
        Problem.objects.filter(pk=problem.pk).update(state="signed", handle_deadline=dt.date(2026, 2, 27))
    run_sweep()

    page = login("eco_handler")
    expect(page.locator("#nav-reminders-unread")).to_have_text("3")
    page.click("#nav-reminders")
    expect(page.locator("h1")).to_have_text("提醒")
    rows = page.locator("[id^=notification-]")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".badge").first).to_have_text("红色超期")
    htmx_ready(page)  # the row's forms post through htmx, which swaps the row in place
    # Each row by its id: a swapped row keeps it, whereas "the n-th row" is whichever is there when it is read.
    first, second, third = (page.locator(f"#{row_id}") for row_id in rows.evaluate_all("rows => rows.map(r => r.id)"))

    first.locator("input[name=until]").fill("2026-03-05")
    first.locator("input[name=reason]").fill("等待第三方检测报告")
    first.locator("[data-do=snooze]").click()
    expect(first.locator("text=已暂缓至 2026-03-05")).to_be_visible()
    expect(first.locator("text=理由：等待第三方检测报告")).to_be_visible()
    expect(page.locator("#nav-reminders-unread")).to_have_text("2")

    second.locator("[data-do=read]").click()
    expect(second.locator("text=已读")).to_be_visible()
    expect(page.locator("#nav-reminders-unread")).to_have_text("1")

    # Each tab is checked once it is the page shown, not while the previous one is still there.
    page.click("[data-tab=snoozed]")
    expect(page).to_have_url(re.compile(r"[?&]tab=snoozed"))
    expect(page.locator("[data-tab=snoozed]")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("[id^=notification-]")).to_have_count(1)
    expect(first).to_contain_text("等待第三方检测报告")
    page.click("[data-tab=unread]")
    expect(page).to_have_url(re.compile(r"[?&]tab=unread"))
    expect(page.locator("[data-tab=unread]")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("[id^=notification-]")).to_have_count(1)
    expect(third).to_be_visible()

    # Another person of the same bureau has their own, untouched inbox.
    page = login("eco_head")
    expect(page.locator("#nav-reminders-unread")).to_have_text("3")
