"""A provisional 2027 holiday arrangement, entered for the demo only.

chinesecalendar covers the years up to 2026, but demo problems received late in 2026 have deadlines in 2027, and
the platform refuses to count working days in a year nobody entered. The State Council publishes each year's
arrangement in the November before, so this table is marked provisional (`is_provisional=True`) and must be checked
against the notice once it is out. Tests never rely on it: they enter their own calendars.
"""
import datetime as dt

from qingshan.workdays.calendar import covered_years, reset_cache
from qingshan.workdays.models import CalendarYear, SpecialDay

YEAR = 2027
SOURCE = "演示用暂定安排，待国务院办公厅通知发布后核对"

# Weekdays on which people do not work. Weekend days inside a break need no entry (Monday–Friday rule).
HOLIDAYS: list[tuple[str, str]] = [
    ("2027-01-01", "元旦"),
    # 春节: 除夕 is 2027-02-05 (Fri), 初一 2027-02-06; nine days off, 2-5 to 2-13.
    ("2027-02-05", "春节"), ("2027-02-08", "春节"), ("2027-02-09", "春节"), ("2027-02-10", "春节"),
    ("2027-02-11", "春节"), ("2027-02-12", "春节"),
    ("2027-04-05", "清明节"),
    ("2027-05-03", "劳动节"), ("2027-05-04", "劳动节"), ("2027-05-05", "劳动节"),
    ("2027-06-09", "端午节"),
    ("2027-09-15", "中秋节"),
    ("2027-10-01", "国庆节"), ("2027-10-04", "国庆节"), ("2027-10-05", "国庆节"), ("2027-10-06", "国庆节"),
    ("2027-10-07", "国庆节"),
]
# Weekend days that become working days (调休上班), paying for the bridged weekdays above.
MAKEUP_WORKDAYS: list[tuple[str, str]] = [
    ("2027-02-14", "春节调休"), ("2027-02-20", "春节调休"),
    ("2027-05-08", "劳动节调休"),
    ("2027-09-26", "国庆节调休"), ("2027-10-09", "国庆节调休"),
]


def ensure_calendar_2027() -> bool:
    """Enter the provisional 2027 arrangement unless 2027 is already covered; True when it was entered now."""
    if YEAR in covered_years():
        return False
    CalendarYear.objects.create(year=YEAR, source=SOURCE, is_provisional=True)
    existing = set(SpecialDay.objects.filter(date__year=YEAR).values_list("date", flat=True))
    rows = [SpecialDay(date=dt.date.fromisoformat(day), kind=SpecialDay.HOLIDAY, name=name) for day, name in HOLIDAYS]
    rows += [SpecialDay(date=dt.date.fromisoformat(day), kind=SpecialDay.WORKDAY, name=name)
             for day, name in MAKEUP_WORKDAYS]
    SpecialDay.objects.bulk_create([r for r in rows if r.date not in existing])
    # bulk_create sends no post_save signal, so the cached table must be dropped by hand.
    reset_cache()
    return True
