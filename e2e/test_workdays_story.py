"""In November an administrator is told next year's holiday arrangement is missing, pastes the State Council notice,
reviews the holidays and make-up days read from it, and saves; the notice then goes away."""
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE_2026 = Path(__file__).parents[1] / "qingshan" / "workdays" / "tests" / "notices" / "2026.txt"


@pytest.fixture
def admin(transactional_db, settings):
    from qingshan.orgs.models import User

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # the server's clock is pinned, the browser's is not
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield User.objects.create_superuser(username="sysadmin", password=PASSWORD, full_name="系统管理员")


def test_paste_the_notice_review_and_save(admin, page, live_server):
    from qingshan.workdays.calendar import add_working_days
    from qingshan.workdays.models import CalendarYear

    # The 2027 notice is not out yet: the published 2026 text with its year changed stands in for it (test data).
    text = NOTICE_2026.read_text(encoding="utf-8").replace("2026年", "2027年")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    notice = page.locator(".qs-calendar-notice")
    expect(notice).to_contain_text("2027年的节假日安排尚未录入")

    notice.get_by_role("link", name="粘贴通知全文录入").click()
    page.fill("#id_text", text)
    page.get_by_role("button", name="识别").click()
    expect(page.locator("#review-title")).to_have_text("2027年节假日安排（请核对）")
    spring = page.locator("#review tr", has_text="春节")
    expect(spring).to_contain_text("2月15日至2月23日，共9天")
    expect(spring).to_contain_text("2月14日")
    expect(page.locator("#review tbody tr")).to_have_count(7)
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing saved while reviewing

    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".messagelist")).to_contain_text("已录入并确认2027年节假日安排")
    assert add_working_days(dt.date(2027, 2, 12), 1) == dt.date(2027, 2, 14)  # the make-up Sunday
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#content")).to_be_visible()
    expect(page.locator(".qs-calendar-notice")).to_have_count(0)
