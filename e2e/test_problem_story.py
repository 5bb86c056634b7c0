"""The whole work-loop story of issue 2, as users click through it in a real browser."""
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

    # The server runs on a fixed date (deadlines stay in years with a holiday calendar); the browser keeps the real
    # clock, so the session cookie must not carry an expiry date computed from the server's date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        yield build_world()


def act(page, action: str, fields: dict | None = None, files: dict | None = None):
    """Open an action's form from the detail page (htmx loads it inline), fill it in and submit it. The caller
    waits for the outcome it expects (the new state, an error) before the next step."""
    trigger = page.locator(f'[data-action="{action}"]')
    expect(trigger).to_be_visible()
    htmx_ready(page)
    trigger.click()
    form = page.locator("#action-panel #action-form")
    expect(form).to_be_visible()
    for selector, value in (fields or {}).items():
        element = form.locator(selector)
        tag = element.evaluate("e => e.tagName")
        if tag == "SELECT":
            element.select_option(label=value)
        else:
            element.fill(value)
    for selector, path in (files or {}).items():
        form.locator(selector).set_input_files(path)
    form.locator("button[type=submit]").click()


def test_register_dispatch_handle_reject_approve_merge(world, login, live_server, tmp_path):
    photo = tmp_path / "整改后照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)

    # A commission officer registers a problem with an attachment.
    page = login("officer")
    page.click("text=登记问题")
    page.fill("#id_title", "青山河排污口夜间偷排")
    page.fill("#id_description", "群众反映每晚十点后有黑色污水排入青山河。")
    page.select_option("#id_source", label="现场检查")
    page.select_option("#id_category", label="水污染")
    page.select_option("#id_region", label="青山市")
    page.fill("#id_location", "青山河东岸3号排口")
    page.set_input_files("#id_files", str(photo))
    page.click("button:has-text('登记')")
    expect(page.locator("#problem-state")).to_have_text("已登记")
    problem = Problem.objects.get(title="青山河排污口夜间偷排")

    # ... and dispatches it to a lead unit with a co-unit; the deadline is computed in working days.
    act(page, "dispatch", {"#id_lead_unit": "市生态环境局"})
    expect(page.locator("#problem-state")).to_have_text("已交办")
    problem.refresh_from_db()
    expect(page.locator("body")).to_contain_text(problem.handle_deadline.isoformat())

    # The unit's handler finds it in 我的待办, signs for it and starts work.
    page = login("eco_handler")
    expect(page.locator('[data-queue="to_sign"] .badge')).to_have_text("1")
    page.click(f"text={problem.number}")
    act(page, "sign")
    expect(page.locator("#problem-state")).to_have_text("已签收")
    act(page, "start")
    expect(page.locator("#problem-state")).to_have_text("办理中")

    # A reply without evidence is refused with a clear message; with evidence it goes to review.
    act(page, "reply", {"#id_text": "已封堵排口。"})
    expect(page.locator("#action-form")).to_contain_text("须上传至少一份佐证材料")
    page.locator("#action-form #id_text").fill("已封堵排口并对责任企业立案处罚。")
    page.locator("#action-form #id_files").set_input_files(str(photo))
    page.locator("#action-form button[type=submit]").click()
    expect(page.locator("#problem-state")).to_have_text("待审核")

    # The reviewer rejects it once (发回重办) ...
    page = login("officer")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "reject", {"#id_comment": "未附处罚决定书，请补充。"})
    expect(page.locator("#problem-state")).to_have_text("办理中")

    # ... the handler sees it among the redone items and replies again ...
    page = login("eco_handler")
    page.click('[data-queue="rejected"]')
    expect(page).to_have_url(re.compile(r"[?&]queue=rejected"))
    page.click(f"text={problem.number}")
    expect(page.locator("#timeline")).to_contain_text("未附处罚决定书，请补充。")
    act(page, "reply", {"#id_text": "已补充处罚决定书。"}, {"#id_files": str(photo)})
    expect(page.locator("#problem-state")).to_have_text("待审核")

    # ... and the reviewer approves: the problem is closed, every step on the timeline with who and why.
    page = login("officer")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "approve", {"#id_comment": "同意办结。"})
    expect(page.locator("#problem-state")).to_have_text("已办结")
    timeline = page.locator("#timeline")
    for step in ["登记", "交办", "签收", "开始办理", "申请办结", "发回重办", "审核通过办结"]:
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("孙经办（市生态环境局）")
    expect(timeline).to_contain_text("李监督（第一监督检查室）")

    # A duplicate report of the same outlet is merged; both stay and link to each other.
    page.click("text=登记问题")
    page.fill("#id_title", "青山河有黑水（重复反映）")
    page.fill("#id_description", "同一排口。")
    page.select_option("#id_source", label="12345热线")
    page.select_option("#id_category", label="水污染")
    page.select_option("#id_region", label="青山市")
    page.click("button:has-text('登记')")
    act(page, "merge", {"#id_primary": problem.number, "#id_reason": "同一排口重复反映"})
    expect(page.locator("#problem-state")).to_have_text("已并单")
    page.click(f"text={problem.number}")
    expect(page.locator("body")).to_contain_text("重复件：")
    expect(page).to_have_url(re.compile(rf"/problems/{problem.pk}/$"))


def test_unit_returns_a_problem_that_is_not_its_remit_and_it_is_reassigned(world, login, live_server):
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(world, "dispatched")
    page = login("eco_handler")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "return", {"#id_reason": "该排口由水务局管理，依据：市政府三定方案。"})
    # The unit no longer sees it; it is back in the supervisor's 待交办 queue.
    expect(page).to_have_url(re.compile(r"/inbox/"))
    page = login("officer")
    page.click('[data-queue="to_dispatch"]')
    expect(page).to_have_url(re.compile(r"[?&]queue=to_dispatch"))
    page.click(f"text={problem.number}")
    expect(page.locator("#problem-state")).to_have_text("已退回待改派")
    act(page, "dispatch", {"#id_lead_unit": "市水务局"})
    expect(page.locator("#problem-state")).to_have_text("已交办")
    page = login("water_handler")
    expect(page.locator('[data-queue="to_sign"] .badge')).to_have_text("1")


def test_extension_requested_and_approved(world, login, live_server):
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(world, "in_progress")
    later = problem.handle_deadline + dt.timedelta(days=14)
    page = login("eco_handler")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "request_extension",
        {"#id_requested_deadline": later.isoformat(), "#id_reason": "需等待第三方检测报告。"})
    expect(page.locator("body")).to_contain_text("延期记录")
    page = login("officer")
    page.click('[data-queue="extensions"]')
    expect(page).to_have_url(re.compile(r"[?&]queue=extensions"))
    page.click(f"text={problem.number}")
    act(page, "approve_extension", {"#id_reason": "同意。"})
    expect(page.locator("body")).to_contain_text(f"原期限 {problem.handle_deadline.isoformat()}")
    expect(page.locator("body")).to_contain_text(later.isoformat())


def test_leader_reads_the_kpis_and_drills_down_to_the_list(world, login, live_server):
    from qingshan.problems.testing.flows import drive_to

    drive_to(world, "closed")
    drive_to(world, "closed")
    drive_to(world, "in_progress")
    page = login("leader")
    page.click("text=统计分析")
    total = page.locator("tr.table-light")
    expect(total).to_contain_text("合计")
    expect(total).to_contain_text("66.7%")  # 办结率 = 2 closed / 3 received
    total.locator('a[title="合计 · 办结数"]').first.click()
    expect(page).to_have_url(re.compile(r"/problems/\?.*kpi=closed"))
    expect(page.locator("body")).to_contain_text("统计口径：办结数")
    expect(page.locator("body")).to_contain_text("共 2 条")
