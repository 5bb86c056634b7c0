"""Issue 15 in a browser: a leader finds an escalated problem in the red list by unit and gives an instruction that
reaches the handler's inbox; the unit posts progress with a photo; the partner body replies on a transferred problem."""
import pytest
from playwright.sync_api import expect

from e2e.support import htmx_ready
from e2e.test_problem_story import act
from e2e.test_problem_story import world as story_world  # noqa: F401 - its fixture `world`: the server clock pinned

pytestmark = pytest.mark.django_db(transaction=True)


def escalated(w, title, **kwargs):
    from qingshan.problems import services
    from qingshan.problems.choices import EscalationLevel, State
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(w, State.IN_PROGRESS, title=title, **kwargs)
    return services.problem_escalate(actor=None, problem=problem, level=EscalationLevel.RED,
                                     reason="办理期限超期未办，系统按提醒规则提级督办。")


def test_leader_instructs_from_the_red_list_and_the_handler_reads_it(world, login, live_server):
    problem = escalated(world, "青山河排污口夜间偷排")
    escalated(world, "工地夜间施工扬尘")
    escalated(world, "自来水厂取水口异味", lead=world.water, handler=world.water_handler)

    page = login("leader")
    page.click("text=红色督办")
    groups = page.locator("[data-unit]")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_contain_text("市生态环境局")
    expect(groups.nth(0).locator("[data-count]")).to_have_text("2")
    expect(groups.nth(1).locator("[data-count]")).to_have_text("1")
    groups.nth(0).locator(f"text={problem.number}").click()
    expect(page.locator("h1")).to_contain_text(problem.number)
    # Read-only for everything else: 批示 is the one action offered, and no upload.
    expect(page.locator("#actions [data-action]")).to_have_count(1)
    act(page, "instruct", {"#id_text": "请生态环境局本周内拿出整改方案。"})
    timeline = page.locator("#timeline li").last
    expect(timeline).to_contain_text("批示")
    expect(timeline).to_contain_text("请生态环境局本周内拿出整改方案。")

    page = login("eco_handler")
    page.click("#nav-reminders")
    row = page.locator("[id^=notification-]", has_text=problem.number)
    expect(row).to_contain_text("陈书记批示：请生态环境局本周内拿出整改方案。")
    expect(row).to_contain_text("督办动态")
    row.locator(f"text={problem.number}").click()
    expect(page.locator("#timeline")).to_contain_text("请生态环境局本周内拿出整改方案。")


def test_unit_posts_progress_with_a_photo_and_the_partner_replies(world, login, live_server, tmp_path):
    from qingshan.problems import services
    from qingshan.problems.choices import State
    from qingshan.problems.testing.flows import drive_to

    photo = tmp_path / "清淤现场.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    problem = drive_to(world, State.IN_PROGRESS, title="青山河黑臭水体")

    page = login("eco_handler")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "progress", {"#id_text": "已完成清淤50米，剩余段本周完成。"}, {"#id_files": str(photo)})
    expect(page.locator("#timeline li").last).to_contain_text("报送进展")
    expect(page.locator("#timeline li").last).to_contain_text("清淤现场.png")
    expect(page.locator("#problem-state")).to_have_text("办理中")  # neither an extension nor a reply
    expect(page.locator("body")).to_contain_text("进展材料")

    services.problem_share(actor=world.officer, problem=problem, partner=world.partner, reason="涉及多部门协作")
    page = login("partner_staff")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    act(page, "partner_reply", {"#id_text": "已联合执法检查，责令上游企业停产整治。"}, {"#id_files": str(photo)})
    expect(page.locator("#timeline li").last).to_contain_text("反馈办理结果")
    expect(page.locator("#timeline li").last).to_contain_text("已联合执法检查，责令上游企业停产整治。")

    # The office in charge reads both in its inbox, the newest first.
    page = login("officer")
    page.click("#nav-reminders")
    htmx_ready(page)
    rows = page.locator("[id^=notification-]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("市污染防治攻坚办回复：已联合执法检查")
    expect(rows.nth(1)).to_contain_text("市生态环境局报送进展：已完成清淤50米")
