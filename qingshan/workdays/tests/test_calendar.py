"""Working days (domain §4, §8): State Council arrangements with make-up days, counted from the day after; years
without a holiday table are refused, not guessed; the admin table adds years and corrects built-in ones."""
import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import ServiceError
from qingshan.orgs.models import User
from qingshan.problems import services
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import new_problem
from qingshan.workdays import calendar
from qingshan.workdays.calendar import (
    CalendarNotAvailable,
    add_working_days,
    covered_years,
    is_working_day,
    working_days_between,
)
from qingshan.workdays.models import CalendarYear, SpecialDay

D = dt.date
NO_2027 = "2027年的节假日安排尚未录入，无法按工作日计算期限。请管理员在“工作日历”中录入2027年的放假与调休安排。"


def enter_2027() -> None:
    """A 2027 table as an administrator would enter it (New Year's Day off, one make-up Saturday; test data)."""
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（测试数据）")
    SpecialDay.objects.create(date=D(2027, 1, 1), kind=SpecialDay.HOLIDAY, name="元旦")
    SpecialDay.objects.create(date=D(2027, 1, 9), kind=SpecialDay.WORKDAY, name="调休上班")


# ---------------------------------------------------------------- 国庆 2025


@pytest.mark.django_db
def test_national_day_2025_days_off_and_make_up_days():
    assert [is_working_day(D(2025, 10, day)) for day in range(1, 9)] == [False] * 8
    assert is_working_day(D(2025, 9, 28))  # Sunday, worked
    assert is_working_day(D(2025, 10, 11))  # Saturday, worked
    assert not is_working_day(D(2025, 9, 27))  # an ordinary Saturday
    assert is_working_day(D(2025, 10, 9))


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "days", "due"), [
    (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Friday + 1: the make-up Sunday
    (D(2025, 9, 27), 1, D(2025, 9, 28)),
    (D(2025, 9, 29), 1, D(2025, 9, 30)),  # counting starts the day after, even on a working day
    (D(2025, 9, 30), 1, D(2025, 10, 9)),  # over the whole holiday
    (D(2025, 10, 3), 1, D(2025, 10, 9)),  # received during the holiday
    (D(2025, 9, 30), 3, D(2025, 10, 11)),  # the make-up Saturday counts
    (D(2025, 9, 30), 15, D(2025, 10, 28)),
    (D(2025, 9, 25), 15, D(2025, 10, 22)),
])
def test_deadlines_across_national_day_2025(start, days, due):
    assert add_working_days(start, days) == due
    assert working_days_between(start, due) == days


# ---------------------------------------------------------------- 春节 2026


def test_spring_festival_2026_is_what_the_package_data_says():
    """The arrangement the tests below rely on, read from chinesecalendar's own tables."""
    off = {d for d in chinese_calendar.constants.holidays if D(2026, 2, 1) <= d <= D(2026, 3, 1)}
    worked = {d for d in chinese_calendar.constants.workdays if D(2026, 2, 1) <= d <= D(2026, 3, 1)}
    assert off == {D(2026, 2, day) for day in range(15, 24)}
    assert worked == {D(2026, 2, 14), D(2026, 2, 28)}


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "days", "due"), [
    (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday + 1: the make-up Saturday before the holiday
    (D(2026, 2, 14), 1, D(2026, 2, 24)),  # 02-15..02-23 off
    (D(2026, 2, 12), 5, D(2026, 2, 26)),
    (D(2026, 2, 13), 15, D(2026, 3, 12)),  # includes the make-up Saturday 02-28
    (D(2026, 2, 16), 0, D(2026, 2, 24)),  # same-day limit received in the holiday: the first working day
])
def test_deadlines_across_spring_festival_2026(start, days, due):
    assert add_working_days(start, days) == due


@pytest.mark.django_db
def test_working_days_between_counts_the_end_not_the_start():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert working_days_between(D(2026, 2, 16), D(2026, 2, 16)) == 0


@pytest.mark.django_db
def test_negative_days_are_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 2), -1)


# ---------------------------------------------------------------- years without a built-in calendar


@pytest.mark.django_db
def test_a_deadline_in_2027_is_refused_until_the_year_is_entered():
    with pytest.raises(CalendarNotAvailable) as refused:
        add_working_days(D(2026, 12, 30), 5)
    assert str(refused.value) == NO_2027
    assert refused.value.year == 2027
    with pytest.raises(CalendarNotAvailable):
        is_working_day(D(2027, 3, 1))
    assert 2027 not in covered_years()


@pytest.mark.django_db
def test_a_deadline_in_2027_works_once_its_table_is_entered():
    add_working_days(D(2026, 3, 2), 1)  # warm the cache before the table changes
    enter_2027()
    assert 2027 in covered_years()
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)  # 12-31, then 01-01 off, weekend, Monday
    assert add_working_days(D(2027, 1, 8), 1) == D(2027, 1, 9)  # the entered make-up Saturday
    assert add_working_days(D(2027, 1, 9), 1) == D(2027, 1, 11)  # ordinary Sunday off
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 11)) == 8  # 12-31, 01-04..08, 01-09, 01-11


@pytest.mark.django_db
def test_special_days_without_the_year_do_not_make_it_covered():
    """Entering a few days is not entering the year: the rest of it is still unknown and refused."""
    SpecialDay.objects.create(date=D(2027, 1, 1), kind=SpecialDay.HOLIDAY, name="元旦")
    SpecialDay.objects.create(date=D(2027, 1, 9), kind=SpecialDay.WORKDAY, name="调休上班")
    for day in (D(2027, 1, 1), D(2027, 1, 9)):  # not even the entered days themselves
        with pytest.raises(CalendarNotAvailable, match="2027年的节假日安排尚未录入"):
            is_working_day(day)
    with pytest.raises(CalendarNotAvailable, match="2027年的节假日安排尚未录入"):
        working_days_between(D(2026, 12, 31), D(2027, 1, 1))
    with pytest.raises(CalendarNotAvailable, match="2027年的节假日安排尚未录入"):
        add_working_days(D(2026, 12, 31), 1)
    assert 2027 not in covered_years()


# ---------------------------------------------------------------- the admin table


@pytest.fixture
def admin_client_cn(client, db):
    admin = User.objects.create_superuser(username="admin", password="Qingshan#2026", full_name="系统管理员")
    client.force_login(admin)
    return client


def test_the_admin_table_corrects_a_built_in_year(admin_client_cn):
    assert add_working_days(D(2026, 6, 18), 1) == D(2026, 6, 22)  # after 端午 06-19..21
    assert add_working_days(D(2026, 10, 6), 1) == D(2026, 10, 8)
    for date, kind in (("2026-06-22", SpecialDay.HOLIDAY), ("2026-10-07", SpecialDay.WORKDAY)):
        response = admin_client_cn.post("/admin/workdays/specialday/add/",
                                        {"date": date, "kind": kind, "name": "更正"})
        assert response.status_code == 302, response.content.decode()[:500]
    # The cached table was reset by the save: the corrections count at once.
    assert add_working_days(D(2026, 6, 18), 1) == D(2026, 6, 23)
    assert add_working_days(D(2026, 10, 6), 1) == D(2026, 10, 7)


def test_the_admin_enters_a_new_year(admin_client_cn):
    with pytest.raises(CalendarNotAvailable):
        add_working_days(D(2026, 12, 30), 2)
    response = admin_client_cn.post("/admin/workdays/calendaryear/add/", {
        "year": "2027", "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）"})
    assert response.status_code == 302, response.content.decode()[:500]
    admin_client_cn.post("/admin/workdays/specialday/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_within_a_minute(monkeypatch):
    """A write elsewhere (another web worker) sends no signal here; the cached table is re-read when it is old."""
    now = [1000.0]
    monkeypatch.setattr(calendar, "_clock", lambda: now[0])
    assert is_working_day(D(2026, 6, 22))
    SpecialDay.objects.bulk_create([SpecialDay(date=D(2026, 6, 22), kind=SpecialDay.HOLIDAY)])  # no signal
    assert is_working_day(D(2026, 6, 22))  # still the cached table
    now[0] += calendar.TABLE_MAX_AGE_SECONDS + 1
    assert not is_working_day(D(2026, 6, 22))


# ---------------------------------------------------------------- dispatch at the end of a covered year


def test_dispatch_late_in_december_2026_without_a_2027_table_is_refused_and_changes_nothing(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    problem = new_problem(world)
    before = (dict(type(problem).objects.filter(pk=problem.pk).values().get()), AuditEvent.objects.count())
    with pytest.raises(ServiceError) as refused:
        services.problem_dispatch(actor=world.officer, problem=problem, lead_unit=world.eco)
    assert refused.value.message == NO_2027
    assert (dict(type(problem).objects.filter(pk=problem.pk).values().get()), AuditEvent.objects.count()) == before
    assert not problem.assignments.exists()

    enter_2027()
    problem = services.problem_dispatch(actor=world.officer, problem=problem, lead_unit=world.eco)
    assert problem.state == State.DISPATCHED
    # 12-22..12-31 is 8 working days; 01-01 off; then 01-04..01-08, the make-up 01-09 and 01-11 make 15.
    assert (problem.sign_deadline, problem.handle_deadline) == (D(2026, 12, 22), D(2027, 1, 11))
