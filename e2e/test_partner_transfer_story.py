"""Issue 14 in a browser: the office sends a problem to the pollution-control office with only its title and place
and a feedback deadline; the partner reads only that, signs and answers; the office accepts the answer. Then, from
the problem's own page, the office transfers the whole problem (移送协作单位) with a feedback date it chooses."""
import pytest
from playwright.sync_api import expect

from e2e.support import htmx_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_partner_transfer_is_answered_and_accepted(world, login, live_server):
    from qingshan.problems.testing.flows import new_problem

    problem = new_problem(world, title="青山化工夜间偷排")
    page = login("officer")
    page.goto(f"{live_server.url}/collaboration/partner-transfers/")
    form = page.locator("#partner-transfer-form")
    form.locator("#id_problem_number").fill(problem.number)
    form.locator("#id_partner").select_option(label="市污染防治攻坚办")
    form.get_by_label("问题描述").uncheck()
    form.get_by_label("问题类别").uncheck()
    form.locator("#id_request").fill("请会同执法部门查处并反馈")
    form.locator("#id_days").fill("5")
    form.locator("button[type=submit]").click()
    expect(page.locator("#transfer-state")).to_have_text("待签收")
    expect(page.locator("#feedback-deadline")).to_have_text("2026-03-09")
    url = page.url

    page = login("partner_staff")
    page.goto(url)
    expect(page.locator("#shared")).to_contain_text("青山化工夜间偷排")
    expect(page.locator("#shared")).not_to_contain_text("群众反映夜间有污水直排入河")  # the description was not shared
    expect(page.locator(f"a[href='/problems/{problem.pk}/']")).to_have_count(0)
    page.get_by_role("button", name="签收").click()
    expect(page.locator("#transfer-state")).to_have_text("办理中")
    page.locator("#feedback-form #id_result").fill("已会同市生态环境局立案查处，罚款十万元。")
    page.get_by_role("button", name="反馈办理结果").click()
    expect(page.locator("#transfer-state")).to_have_text("已反馈")

    page = login("officer")
    page.goto(url)
    expect(page.locator("#result")).to_contain_text("罚款十万元")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("#transfer-state")).to_have_text("已办结")

    # 移送协作单位 from the problem's page: the date is offered at 10 working days; a past one is refused.
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    htmx_ready(page)
    page.locator('[data-action="share"]').click()
    form = page.locator("#action-panel #action-form")
    expect(form.locator("#id_feedback_deadline")).to_have_value("2026-03-16")
    picker = form.locator("#id_partner + .ts-wrapper")
    picker.click()
    picker.locator("input").fill("攻坚")
    picker.locator(".ts-dropdown .option", has_text="市污染防治攻坚办").click()
    form.locator("#id_reason").fill("请全程跟进该问题的查处")
    form.locator("#id_feedback_deadline").fill("2026-02-27")
    form.locator("button[type=submit]").click()
    expect(page.locator("#action-form")).to_contain_text("反馈期限不能早于今天（2026-03-02）。")
    page.locator("#action-form #id_feedback_deadline").fill("2026-03-20")
    page.locator("#action-form button[type=submit]").click()
    expect(page.locator("#timeline")).to_contain_text("移送至：市污染防治攻坚办；反馈期限：2026-03-20")
    expect(page.locator("#joint-work")).to_contain_text("反馈期限 2026-03-20")
