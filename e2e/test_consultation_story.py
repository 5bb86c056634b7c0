"""Issue 14 in a browser: the office convenes a 会商 with the eco bureau and the pollution-control office on a
problem, records the minutes, and its decision becomes a task that the bureau finds in 我的待办 and reports done."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def pick(form, field: str, typed: str, option: str):
    picker = form.locator(f"#id_{field} + .ts-wrapper")
    picker.click()
    picker.locator("input").fill(typed)
    picker.get_by_role("option", name=option, exact=True).click()


def test_a_consultation_decision_becomes_a_task_done_by_the_bureau(world, login, live_server):
    from qingshan.problems.testing.flows import new_problem

    problem = new_problem(world, title="青山河排污口夜间偷排")
    page = login("officer")
    page.click("nav >> text=会商")
    page.click("text=发起会商")
    form = page.locator("#consultation-form")
    form.locator("#id_title").fill("青山河排污问题信息共享会商")
    form.locator("#id_held_on").fill("2026-03-03")
    form.locator("#id_place").fill("市纪委三楼会议室")
    pick(form, "participants", "生态", "市生态环境局")
    pick(form, "participants", "攻坚", "市污染防治攻坚办")
    page.keyboard.press("Escape")
    form.locator("#id_problems").fill(problem.number)
    form.locator("button[type=submit]").click()
    expect(page.locator("#consultation-state")).to_have_text("待召开")
    expect(page.locator("#agenda")).to_contain_text(problem.number)

    record = page.locator("#record-form")
    record.locator("#id_attendees").fill("李监督、钱局长、林攻坚")
    record.locator("#id_minutes").fill("通报青山河排污口情况，商定由市生态环境局牵头溯源。")
    record.locator("button[type=submit]").click()
    expect(page.locator("#consultation-state")).to_have_text("已召开")
    decide = page.locator("#decide-form")
    decide.locator("#id_text").fill("五个工作日内完成排口溯源并报告")
    decide.locator("#id_assignee").select_option(label="市生态环境局")
    decide.locator("#id_days").fill("5")
    decide.locator("button[type=submit]").click()
    expect(page.locator("#tasks")).to_contain_text("2026-03-09")

    page = login("eco_handler")
    expect(page.locator("body")).to_contain_text("会商决定事项")
    page.click("text=五个工作日内完成排口溯源")
    row = page.locator("#tasks tbody tr").first
    row.get_by_label("完成情况").fill("已完成溯源，排口属青山化工，已立案查处。")
    row.get_by_role("button", name="报告完成").click()
    expect(page.locator("#tasks [data-state]").first).to_contain_text("已完成")

    page = login("officer")
    page.goto(f"{live_server.url}/collaboration/")
    page.click("text=青山河排污问题信息共享会商")
    page.get_by_role("button", name="办结会商").click()
    expect(page.locator("#consultation-state")).to_have_text("已办结")
