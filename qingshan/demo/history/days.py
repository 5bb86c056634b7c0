"""Working-day arithmetic on an index of working days (O(1) per call), built once from `is_working_day`."""
import datetime as dt

from qingshan.workdays.calendar import is_working_day


class DayIndex:
    """Working days from `first` to `last`, by rank."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = first
        self.beyond = last + dt.timedelta(days=1)
        self.working: list[dt.date] = []
        self.rank: list[int] = []  # rank[i] = working days in [first, first + i]
        day = first
        while day <= last:
            if is_working_day(day):
                self.working.append(day)
            self.rank.append(len(self.working))
            day += dt.timedelta(days=1)

    def is_working(self, day: dt.date) -> bool:
        """Whether `day` is a working day."""
        i = (day - self.first).days
        return self.rank[i] - (self.rank[i - 1] if i else 0) == 1

    def add(self, day: dt.date, n: int) -> dt.date:
        """Same as add_working_days(day, n); a day past the index (so past the end date) when it runs out."""
        i = (day - self.first).days
        try:
            if n == 0:
                return day if self.is_working(day) else self.working[self.rank[i]]
            return self.working[self.rank[i] + n - 1]
        except IndexError:
            return self.beyond

    def sub(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day before `day`."""
        i = (day - self.first).days
        before = self.rank[i] - (1 if self.is_working(day) else 0)
        return self.working[before - n]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as working_days_between()."""
        return self.rank[(end - self.first).days] - self.rank[(start - self.first).days]
