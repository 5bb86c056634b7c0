"""Working-day arithmetic: chinesecalendar for the years it covers, the admin table for the rest.

A year covered by neither is refused with `CalendarNotAvailable`: a deadline guessed from weekends alone could be
wrong by a whole Golden Week, and a wrong deadline is worse than a loud error. Only a calendar-year row makes a
year countable: a special day entered without one answers nothing (half a year's arrangement is no arrangement).

A year whose row is marked provisional (暂定, entered before the State Council notice) is counted, but never as if
confirmed: every deadline that falls in it carries the mark (`is_provisional`, the `provisional_mark` filter), with
the warning that it must be checked once the notice is out. Refusing instead would stop every deadline in the new
year each December, before the notice is published.
"""
import datetime as dt
import threading
import time

import chinese_calendar
from django.db.models.signals import post_delete, post_save

from .models import CalendarYear, SpecialDay

_BUILTIN_YEARS = frozenset(d.year for d in chinese_calendar.constants.holidays)
_lock = threading.Lock()
# (entered years, provisional years among them, {date: is_working_day})
_table: tuple[frozenset[int], frozenset[int], dict[dt.date, bool]] | None = None
_loaded_at = 0.0
# This process's own writes reset the cache at once (signals below); a write in another process (another web
# worker, the long-running sweep) is picked up when the cached table is older than this.
TABLE_MAX_AGE_SECONDS = 60
_clock = time.monotonic


class CalendarNotAvailable(Exception):
    """Asked to count working days in a year for which no holiday arrangement is known."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"{year}年的节假日安排尚未录入，无法按工作日计算期限。请管理员在“工作日历”中录入{year}年的放假与调休安排。")


def _load_table() -> tuple[frozenset[int], frozenset[int], dict[dt.date, bool]]:
    global _table, _loaded_at
    with _lock:
        if _table is None or _clock() - _loaded_at > TABLE_MAX_AGE_SECONDS:
            years = dict(CalendarYear.objects.values_list("year", "is_provisional"))
            days = {d: kind == SpecialDay.WORKDAY for d, kind in SpecialDay.objects.values_list("date", "kind")}
            _table = (frozenset(years), frozenset(y for y, provisional in years.items() if provisional), days)
            _loaded_at = _clock()
        return _table


def reset_cache(**_kwargs) -> None:
    """Forget the cached table; called whenever the table changes (any write path, admin included)."""
    global _table
    with _lock:
        _table = None


for _model in (CalendarYear, SpecialDay):
    post_save.connect(reset_cache, sender=_model, dispatch_uid=f"workdays-reset-save-{_model.__name__}")
    post_delete.connect(reset_cache, sender=_model, dispatch_uid=f"workdays-reset-del-{_model.__name__}")


def covered_years() -> set[int]:
    """Years for which working days can be counted."""
    return set(_BUILTIN_YEARS) | set(_load_table()[0])


def provisional_years() -> set[int]:
    """Entered years whose arrangement is provisional (not yet checked against the State Council notice)."""
    return set(_load_table()[1])


def is_provisional(day: dt.date | None) -> bool:
    """True when `day` falls in a provisional year: a deadline there must be shown as provisional.

    The years chinesecalendar covers come from published notices, so they are never provisional; answering them
    without the table keeps pages that show ordinary deadlines free of the table's queries.
    """
    return day is not None and day.year not in _BUILTIN_YEARS and day.year in _load_table()[1]


def is_working_day(day: dt.date) -> bool:
    """True when `day` is a working day (make-up working days included).

    Only a covered year is answered. An entry in the admin table wins (it can correct the package); otherwise the
    package decides for the years it covers, and the Monday–Friday rule for entered years.
    """
    entered, _provisional, days = _load_table()
    if day.year not in entered and day.year not in _BUILTIN_YEARS:
        raise CalendarNotAvailable(day.year)
    if day in days:
        return days[day]
    if day.year in _BUILTIN_YEARS:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start`, counting from the next day (domain §4).

    `days == 0` means the same day (emergencies): `start` itself if it is a working day, else the next one.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    if days == 0:
        while not is_working_day(current):
            current += dt.timedelta(days=1)
        return current
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
