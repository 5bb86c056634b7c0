"""The rectification story of issue 12 in a real browser: the office imports a 督察反馈 item from Excel (run by the
worker), the unit plans it backwards by month, the group keeps a site-check diary with a photo, the unit reports it
done and applies, the group checks on site naming both signatories, the group head and the bureau's 党组书记 each
sign in person with their password (a handler is refused), the result is publicly noticed, the five 销号 conditions are
ticked, the item is 销号 after the notice, and the 回头看 confirms it."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import Workbook
from playwright.sync_api import expect

from qingshan.core.testing.uploads import PNG
from qingshan.rectification import excel
from qingshan.rectification.choices import Condition
from qingshan.rectification.models import Item
from qingshan.rectification.testing.flows import add_rect_world

pytestmark = pytest.mark.django_db(transaction=True)
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock(transactional_db, settings):
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True) as traveller:
        traveller.world = add_rect_world(build_world())
        yield traveller


def _xlsx(path):
    book = Workbook()
    sheet = book.active
    sheet.append(excel.HEADERS)
    sheet.append(["园区土壤及地下水修复滞后", "督察发现园区修复进度滞后。", "绿水区", "市生态环境局", "市水务局",
                  "短期", "2026-06-30"])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _do(page, code):
    page.click(f"#do-{code}")
    expect(page.locator("#action-form")).to_be_visible()


def _submit(page):
    page.click("#action-form button[type=submit]")


def test_imported_planned_checked_signed_noticed_closed_and_rechecked(clock, login, live_server, worker, tmp_path):
    base = live_server.url
    w = clock.world
    page = login("officer")
    page.goto(f"{base}/rectification/campaigns/{w.campaign.pk}/")
    page.set_input_files("#id_file", str(_xlsx(tmp_path / "反馈问题.xlsx")))
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-job")).to_contain_text("已导入 1 个整改事项", timeout=20_000)
    item = Item.objects.get()

    # The bureau plans it: milestones proposed backwards by month, each on a working day.
    page = login("eco_handler")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "plan")
    page.fill("#id_target", "6月底前完成修复并通过评审")
    page.fill("#id_measures", "一是制定修复方案；二是修复施工；三是监测评估。")
    page.fill("#id_responsible_leader", "钱局长")
    page.fill("#id_responsible_person", "孙经办")
    page.select_option("#id_granularity", label="按月")
    _submit(page)
    expect(page.locator("#item-state")).to_have_text("整改中")
    expect(page.locator("#milestones")).to_contain_text("2026-05-29")  # 31 May is a Sunday

    # The group keeps its site-check diary with a photo.
    page = login("group_staff")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "diary")
    page.fill("#id_happened_on", "2026-03-02")
    page.fill("#id_text", "现场查看修复施工，按计划推进。")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_files", str(photo))
    _submit(page)
    expect(page.locator("#posts")).to_contain_text("现场.png")

    # The bureau reports the work done and applies for acceptance.
    page = login("eco_handler")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "progress")
    page.select_option("#id_progress", label="已完成")
    page.fill("#id_text", "修复完成，已通过竣工评审。")
    _submit(page)
    _do(page, "apply")
    _submit(page)
    expect(page.locator("#item-state")).to_have_text("申请验收")

    # The group checks on site and names the two signatories.
    page = login("group_staff")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "site_check")
    page.fill("#id_note", "现场核查，修复到位，监测达标。")
    page.select_option("#id_supervisor_signatory", label="赵组长")
    page.select_option("#id_unit_signatory", label="周书记")
    _submit(page)
    expect(page.locator("#item-state")).to_have_text("待双签")

    # A handler of the bureau is offered no signature; the two named heads sign in person.
    page = login("eco_handler")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    expect(page.locator("#do-sign_unit")).to_have_count(0)
    for username, code in (("group_head", "sign_supervisor"), ("eco_secretary", "sign_unit")):
        page = login(username)
        page.goto(f"{base}/rectification/items/{item.pk}/")
        _do(page, code)
        page.fill("#id_password", "Qingshan#2026")
        _submit(page)
    expect(page.locator("#sign-supervisor")).to_contain_text("赵组长：已于")
    expect(page.locator("#sign-unit")).to_contain_text("周书记：已于")

    # 公示 for five working days, the five conditions ticked with evidence.
    page = login("group_staff")
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "publish")
    _submit(page)
    expect(page.locator("#notice")).to_contain_text("2026-03-02 至 2026-03-09")
    for value, label in Condition.choices:
        _do(page, "condition")
        page.select_option("#id_condition", value)
        page.fill("#id_evidence", f"{label}：见验收报告")
        _submit(page)
    expect(page.locator("#conditions")).not_to_contain_text("待确认")

    # After the notice: 销号, then the 回头看 confirms the outcome.
    clock.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ))
    page = login("group_staff")  # a new working day, a new session
    page.goto(f"{base}/rectification/items/{item.pk}/")
    _do(page, "close")
    _submit(page)
    expect(page.locator("#item-state")).to_have_text("已销号")
    expect(page.locator("#rechecks")).to_contain_text("待回头看")
    _do(page, "recheck")
    page.fill("#id_note", "回头看，未发现反弹。")
    _submit(page)
    expect(page.locator("#rechecks")).to_contain_text("整改成果巩固")
