"""Issue 12 (instruments): an instrument drafted and corrected, issued with its number, generated as a Word file,
replied to by the unit with its written reply, accepted and followed up, as users click through it in a real
browser."""
import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import htmx_ready
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.instruments.models import Instrument

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.problems import services as problem_services
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        w = build_world()
        w.problem = problem_services.problem_create(
            actor=w.officer, title="青山河排污口夜间偷排", description="群众反映夜间偷排。", source=w.inspection,
            category=w.water_pollution, region=w.city)
        yield w


def act(page, action: str, fields: dict | None = None, files: dict | None = None):
    trigger = page.locator(f'[data-action="{action}"]')
    expect(trigger).to_be_visible()
    htmx_ready(page)
    trigger.click()
    form = page.locator("#action-panel #action-form")
    expect(form).to_be_visible()
    for selector, value in (fields or {}).items():
        element = form.locator(selector)
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(label=value)
        else:
            element.fill(value)
    for selector, path in (files or {}).items():
        form.locator(selector).set_input_files(path)
    form.locator("button[type=submit]").click()


def test_an_instrument_is_issued_replied_to_and_followed_up(world, login, live_server, tmp_path):
    reply = tmp_path / "书面回复.pdf"
    reply.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    today = dt.date(2026, 3, 2)

    # A commission officer drafts a 纪检监察建议书 to 市生态环境局 about the problem and issues it.
    page = login("officer")
    page.click("nav >> text=文书")
    page.click("#new-instrument")
    page.select_option("#id_kind", label="纪检监察建议书")
    page.select_option("#id_recipient", label="市生态环境局")
    page.fill("#id_title", "关于加强青山河排污口监管的纪检监察建议书")
    page.fill("#id_body", "我委在监督检查中发现，你局对青山河排污口监管不到位。\n建议立即开展排查整治。")
    page.fill("#id_problem_numbers", world.problem.number)
    page.fill("#id_reply_deadline", (today + dt.timedelta(days=10)).isoformat())
    page.fill("#id_rectify_deadline", (today + dt.timedelta(days=40)).isoformat())
    page.click("button:has-text('保存草稿')")
    expect(page.locator("#instrument-state")).to_have_text("草稿")
    # Before issue the draft is corrected (its title and reply deadline); the form starts from the draft.
    act(page, "edit", {"#id_title": "关于加强青山河入河排污口监管的纪检监察建议书",
                       "#id_reply_deadline": (today + dt.timedelta(days=12)).isoformat()})
    expect(page.locator("h1")).to_contain_text("青山河入河排污口")
    expect(page.locator("#instrument-state")).to_have_text("草稿")
    act(page, "issue")
    expect(page.locator("#instrument-state")).to_have_text("已印发待回复")
    expect(page.locator("#instrument-number")).to_have_text("青纪建〔2026〕1号")
    expect(page.locator('[data-action="edit"]')).to_have_count(0)  # issued: on record, no more edits

    # Its Word file is generated in the background and offered for download.
    act(page, "generate")
    expect(page.locator("#batch-status")).to_be_visible()
    assert run_queued_jobs() == 1
    instrument = Instrument.objects.get()
    page.goto(f"{live_server.url}/instruments/{instrument.pk}/")
    expect(page.locator("#documents")).to_contain_text("青纪建〔2026〕1号 纪检监察建议书.docx")

    # The unit's handler finds it in 我的待办 and uploads the written reply.
    page = login("eco_handler")
    page.click('[data-queue="instruments_to_reply"]')
    page.click("text=青纪建〔2026〕1号")
    act(page, "reply", {"#id_text": "已完成排口封堵，正在开展全面排查。"}, {"#id_files": str(reply)})
    expect(page.locator("#instrument-state")).to_have_text("已回复待审核")

    # The officer accepts the reply, records a site check (回头看) and closes it as rectified.
    page = login("officer")
    page.goto(f"{live_server.url}/instruments/{instrument.pk}/")
    expect(page.locator("#reply")).to_contain_text("已完成排口封堵")
    act(page, "accept", {"#id_comment": "同意，请持续整改。"})
    expect(page.locator("#instrument-state")).to_have_text("回复已采纳（跟踪整改）")
    act(page, "follow_up", {"#id_kind": "回头看", "#id_happened_on": today.isoformat(),
                            "#id_text": "回头看：排口已封堵，无新增排放。"})
    expect(page.locator("#follow-ups")).to_contain_text("回头看：排口已封堵")
    act(page, "close", {"#id_rectified": "整改到位"})
    expect(page.locator("#instrument-state")).to_have_text("已办结")

    # The unit sees the outcome and the follow-up, never the internal notes.
    page = login("eco_handler")
    page.goto(f"{live_server.url}/instruments/{instrument.pk}/")
    expect(page.locator("#follow-ups")).to_contain_text("回头看：排口已封堵")
    expect(page.locator("#internal-notes")).to_have_count(0)
