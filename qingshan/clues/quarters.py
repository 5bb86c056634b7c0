"""Quarters of the year, for the offices' report-back of closed results to 信访室."""
import datetime as dt


def bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after - dt.timedelta(days=1)


def of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous(day: dt.date) -> tuple[int, int]:
    """The last quarter that has ended by `day`."""
    year, quarter = of(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)
