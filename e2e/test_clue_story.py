"""The discipline loop in a real browser (issue 11), from a letter to 结果告知: 赵信访 registers a real-name letter
(the reporter typed into the vault) and accepts it; 孔案管 gives it its 线索编号 and assigns it to 第一监督检查室;
李监督 signs, proposes 谈话函询, records the collective study naming 陈书记 to sign; 陈书记 approves in person
(password again); the letter is written by the worker,
downloaded from its job page and carries
no reporter data; the reply is recorded and the clue closed as 了结澄清; 赵信访 tells the reporter of acceptance
and result (the result by SMS under the neutral sender, sent by the worker). A person in the reported unit
holding every role meets a 404 on the clue."""
import re

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import htmx_ready
from qingshan.clues.testing.world import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.clues.testing.world import build_clue_world
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        yield build_clue_world(build_world())


def _act(page, action: str, fields: dict[str, str], button: str):
    """Open an action of the clue page (htmx panel), fill it, confirm, and wait for the page to come back."""
    htmx_ready(page)
    page.click(f"#actions [data-action={action}]")
    form = page.locator("#action-form")
    expect(form).to_be_visible()
    for selector, value in fields.items():
        element = form.locator(selector)
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(value)
        else:
            element.fill(value)
    form.locator(f"button:has-text('{button}')").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_a_letter_from_intake_to_the_result_notice(world, login, live_server, worker):
    from qingshan.core.documents import docx_text

    page = login("xinfang")
    page.goto(f"{live_server.url}/clues/new/")
    page.select_option("#id_source", "letter")
    page.fill("#id_received_on", "2026-02-27")
    page.select_option("#id_reported_unit", label="市生态环境局")
    page.fill("#id_reported_name", "钱局长")
    page.fill("#id_summary", "反映钱局长在环评审批中收受企业财物。")
    page.check("#id_is_real_name")
    page.fill("#id_reporter_name", "王举报")
    page.fill("#id_reporter_phone", "13812345678")
    page.fill("#id_original_text", "我实名举报钱某收受红包二十万元。")
    page.click("button:has-text('登记')")
    expect(page.locator("#clue-state")).to_have_text("待研判")
    expect(page.locator("#reporter")).to_contain_text("王**（实名）")
    clue_url = page.url
    _act(page, "accept", {"#id_note": "属本级管辖"}, "确认受理并移交案管")
    expect(page.locator("#clue-state")).to_have_text("已受理待登记")

    page = login("anguan")
    page.goto(clue_url)
    _act(page, "register", {}, "确认案管登记编号")
    expect(page.locator("h1")).to_contain_text("青山市纪委监委线〔2026〕1号")
    _act(page, "assign", {"#id_assigned_org": "第一监督检查室"}, "确认分办")
    expect(page.locator("#clue-state")).to_have_text("待签收")

    page = login("officer")
    page.goto(clue_url)
    _act(page, "sign", {}, "确认签收")
    _act(page, "propose", {"#id_disposal": "inquiry", "#id_reason": "拟谈话函询",
                           "#id_matters": "请说明你在某化工厂环评审批中有无收受财物。"}, "确认提出处置意见")
    _act(page, "study", {"#id_study_date": "2026-03-02", "#id_attendees": "王主任、李监督",
                         "#id_record": "同意谈话函询", "#id_signing_leader": "陈书记"}, "确认集体研究")
    expect(page.locator("#clue-state")).to_have_text("待审批")

    page = login("leader")
    page.goto(clue_url)
    expect(page.locator("#actions [data-action]")).to_have_count(2)  # only what was proposed, or send it back
    _act(page, "approve_inquiry", {"#id_note": "同意", "#id_password": PASSWORD}, "确认批准谈话函询")  # in person
    expect(page.locator("#clue-state")).to_have_text("谈话函询")

    page = login("officer")
    page.goto(clue_url)
    page.click("#letters button:has-text('生成函询函')")  # written by the background worker, not the request
    expect(page.locator("#job-status")).to_have_text("已完成", timeout=20_000)
    with page.expect_download() as download:
        page.click("#job-download")
    text = docx_text(open(download.value.path(), "rb").read())
    assert "请说明你在某化工厂环评审批中有无收受财物。" in text
    assert "王举报" not in text and "13812345678" not in text and "红包" not in text
    page.goto(clue_url)
    _act(page, "record_reply", {"#id_replied_on": "2026-03-02", "#id_reply_text": "本人未收受财物。"},
         "确认登记函询回复")
    _act(page, "inquiry_clear", {"#id_note": "说明清楚"}, "确认了结澄清")
    expect(page.locator("#clue-state")).to_have_text("已了结")

    page = login("xinfang")
    page.goto(clue_url)
    _act(page, "notify_acceptance", {"#id_notified_on": "2026-03-02", "#id_note": "以中性名义电话告知"},
         "确认受理告知")
    # The result notice by SMS under the neutral sender: queued by the page, sent by the worker (record_only here).
    page.click("#notices button:has-text('短信结果告知')")
    expect(page.locator(".alert-success")).to_contain_text("告知短信已提交")
    for _ in range(40):
        if "已发送" in page.locator("#notices").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("#notices")).to_contain_text("已发送")
    expect(page.locator("#actions [data-action=notify_result]")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("告知短信已发送")

    page = login("insider_unit")
    response = page.goto(clue_url)
    assert response.status == 404
    page.goto(f"{live_server.url}/clues/")
    expect(page.locator("#clue-table tbody")).not_to_contain_text(re.compile("青山市纪委监委线"))
