"""Issue 10, working days: provisional years are marked, and a year is entered by pasting the State Council notice
(the 2025 and 2026 notices as published, checked against chinesecalendar, which carries the same arrangements)."""
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User
from qingshan.problems import services as problem_services
from qingshan.problems.testing.flows import new_problem
from qingshan.workdays.calendar import add_working_days, covered_years, is_provisional
from qingshan.workdays.models import CalendarYear, SpecialDay
from qingshan.workdays.notice import NoticeError, parse_notice
from qingshan.workdays.services import enter_arrangement

D = dt.date
NOTICES = Path(__file__).parent / "notices"


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def as_2027(text: str) -> str:
    """A 2027 notice for tests (the real one is not out yet): the 2026 text with its year changed."""
    return text.replace("2026年", "2027年")


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_published_notices_read_as_chinesecalendar_has_them(year):
    arrangement = parse_notice(notice(year))
    assert arrangement.year == year and arrangement.source == f"国务院办公厅关于{year}年部分节假日安排的通知"
    weekdays_off = sorted(d for d in chinese_calendar.constants.holidays if d.year == year and d.weekday() < 5)
    weekends_on = sorted(d for d in chinese_calendar.constants.workdays if d.year == year and d.weekday() >= 5)
    assert [d for d, _ in arrangement.holidays()] == weekdays_off
    assert [d for d, _ in arrangement.makeup_workdays()] == weekends_on


def test_2026_notice_items_in_detail():
    festivals = {f.name: f for f in parse_notice(notice(2026)).festivals}
    assert list(festivals) == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    spring = festivals["春节"]
    assert (spring.days_off[0], spring.days_off[-1], len(spring.days_off)) == (D(2026, 2, 15), D(2026, 2, 23), 9)
    assert spring.makeup_days == [D(2026, 2, 14), D(2026, 2, 28)]
    assert festivals["元旦"].makeup_days == [D(2026, 1, 4)] and festivals["端午节"].makeup_days == []
    # 2025: 端午 runs over a month end (5月31日至6月2日) and 国庆 shares its item with 中秋.
    festivals = {f.name: f for f in parse_notice(notice(2025)).festivals}
    assert festivals["端午节"].days_off == [D(2025, 5, 31), D(2025, 6, 1), D(2025, 6, 2)]
    assert len(festivals["国庆节、中秋节"].days_off) == 8


def test_new_year_break_starting_in_december_before():
    text = "国务院办公厅关于2023年部分节假日安排的通知\n一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
    arrangement = parse_notice(text)
    assert arrangement.festivals[0].days_off == [D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2)]
    assert arrangement.holidays() == [(D(2023, 1, 2), "元旦")]


@pytest.mark.parametrize(("text", "message"), [
    ("随便写的一段话", "未找到通知标题中的年份"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n经国务院批准，现通知如下。", "未找到“一、元旦：……”形式的节日条目"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：待定。", "“元旦”一项中未找到放假日期"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：2月30日放假。", "2027年2月30日 不存在"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：2026年1月1日放假。", "放假日期不在2027年内"),
])
def test_text_that_is_not_a_notice_is_refused_with_a_reason(text, message):
    with pytest.raises(NoticeError, match=message):
        parse_notice(text)


@pytest.fixture
def admin(db):
    return User.objects.create_superuser(username="admin", password="Qingshan#2026", full_name="系统管理员")


def enter_provisional_2027() -> None:
    CalendarYear.objects.create(year=2027, source="暂定", is_provisional=True)
    SpecialDay.objects.create(date=D(2027, 1, 1), kind=SpecialDay.HOLIDAY, name="元旦")
    SpecialDay.objects.create(date=D(2027, 3, 3), kind=SpecialDay.HOLIDAY, name="错误的暂定日")


def test_entering_the_notice_replaces_a_provisional_year_and_is_audited(admin):
    enter_provisional_2027()
    assert is_provisional(D(2027, 5, 6)) and not is_provisional(D(2026, 5, 6))
    saved = enter_arrangement(actor=admin, arrangement=parse_notice(as_2027(notice(2026))))
    assert saved.year == 2027 and not saved.is_provisional and not is_provisional(D(2027, 5, 6))
    assert not SpecialDay.objects.filter(date=D(2027, 3, 3)).exists()  # the provisional guess is gone
    assert add_working_days(D(2027, 2, 12), 1) == D(2027, 2, 14)  # 2-14 is a make-up Sunday in this text
    event = AuditEvent.objects.get(object_type="calendar_year", action="enter_from_notice")
    assert event.object_id == saved.pk and event.to_state == "confirmed" and event.payload["replaced_days"] == 2


def test_a_confirmed_year_is_not_overwritten_and_others_may_not_enter(admin, django_user_model):
    arrangement = parse_notice(as_2027(notice(2026)))
    enter_arrangement(actor=admin, arrangement=arrangement)
    before = (SpecialDay.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError, match="2027年的节假日安排已经录入并确认"):
        enter_arrangement(actor=admin, arrangement=arrangement)
    clerk = User.objects.create_user(username="clerk", password="Qingshan#2026", full_name="办事员")
    with pytest.raises(PermissionRefused):
        enter_arrangement(actor=clerk, arrangement=parse_notice(as_2027(notice(2026)).replace("2027", "2028")))
    assert (SpecialDay.objects.count(), AuditEvent.objects.count()) == before and 2028 not in covered_years()


def test_a_deadline_in_a_provisional_year_is_marked_on_the_problem(world, time_machine, client):
    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    enter_provisional_2027()
    problem = new_problem(world)
    problem = problem_services.problem_dispatch(actor=world.officer, problem=problem, lead_unit=world.eco)
    assert problem.handle_deadline.year == 2027
    client.force_login(world.officer)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert page.count("暂定日历") == 1 and "2027年的节假日安排为暂定" in page  # the handling deadline, not signing
    CalendarYear.objects.filter(year=2027).update(is_provisional=False)
    from qingshan.workdays.calendar import reset_cache
    reset_cache()
    assert "暂定日历" not in client.get(f"/problems/{problem.pk}/").content.decode()


def test_from_november_administrators_are_told_next_year_is_missing(admin, client, time_machine):
    client.force_login(admin)
    time_machine.move_to(dt.datetime(2026, 10, 30, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    assert "2027年的节假日安排尚未录入" not in client.get("/admin/").content.decode()
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    assert "2027年的节假日安排尚未录入" in client.get("/admin/").content.decode()
    enter_provisional_2027()
    assert "2027年的节假日安排尚未录入（或仅为暂定安排）" in client.get("/admin/").content.decode()
    enter_arrangement(actor=admin, arrangement=parse_notice(as_2027(notice(2026))))
    assert "2027年的节假日安排尚未录入" not in client.get("/admin/").content.decode()


def test_paste_review_then_save_through_the_admin(admin, client):
    client.force_login(admin)
    url = "/admin/workdays/calendaryear/from-notice/"
    review = client.post(url, {"text": as_2027(notice(2026)), "preview": "识别"}).content.decode()
    assert "2027年节假日安排（请核对）" in review and "2月15日至2月23日，共9天" in review
    assert not CalendarYear.objects.filter(year=2027).exists()  # nothing saved before the confirmation
    refused = client.post(url, {"text": "一、元旦：待定。", "confirm": "确认保存"}).content.decode()
    assert "未找到通知标题中的年份" in refused and not CalendarYear.objects.filter(year=2027).exists()
    saved = client.post(url, {"text": as_2027(notice(2026)), "confirm": "确认保存"})
    assert saved.status_code == 302 and CalendarYear.objects.get(year=2027).is_provisional is False
