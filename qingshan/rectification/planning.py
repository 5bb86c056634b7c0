"""倒排工期 and the warning colour: pure rules, no database writes.

Milestones are planned backwards from the deadline ("任务明确到每个月、细化到每一周、量化到每一天", the 绿书包 of
Zhenjiang): the last node is the deadline itself, then one a month, a week or a working day earlier, and so on back
to the start. Every node falls on a working day (moved back to the one before when it would fall on a weekend or
holiday); a month step keeps month ends as month ends (31 March → 28 February → 31 January). A year with no holiday
calendar is refused (CalendarNotAvailable), never guessed.
"""
import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from qingshan.workdays.calendar import is_working_day

from .choices import Granularity, WarningColour

MAX_MILESTONES = 120  # beyond this a plan by working day helps nobody: choose weeks or months
STEP_NAMES = {Granularity.MONTH: "月", Granularity.WEEK: "周", Granularity.DAY: "日"}


def on_or_before_working_day(day: dt.date) -> dt.date:
    """`day` if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def months_back(day: dt.date, months: int, *, month_end: bool) -> dt.date:
    """`day` moved back by whole months; the day is clamped to the month's length, and a month end stays one."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, last if month_end else min(day.day, last))


def previous_working_day(day: dt.date) -> dt.date:
    return on_or_before_working_day(day - dt.timedelta(days=1))


def backward_dates(start: dt.date, deadline: dt.date, granularity: str) -> list[dt.date]:
    """The node dates after `start` up to `deadline`, planned backwards, in ascending order.

    Raises ValueError when the deadline is not after the start or when there would be more than MAX_MILESTONES.
    """
    if deadline <= start:
        raise ValueError("整改期限须晚于开始日期。")
    last = on_or_before_working_day(deadline)
    dates: list[dt.date] = []
    month_end = deadline.day == calendar.monthrange(deadline.year, deadline.month)[1]
    step = 0
    node = last
    while node > start:
        if not dates or node < dates[-1]:
            dates.append(node)
        if len(dates) > MAX_MILESTONES:
            raise ValueError(f"节点超过 {MAX_MILESTONES} 个，请改为按周或按月倒排。")
        step += 1
        if granularity == Granularity.MONTH:
            node = on_or_before_working_day(months_back(deadline, step, month_end=month_end))
        elif granularity == Granularity.WEEK:
            node = on_or_before_working_day(deadline - dt.timedelta(weeks=step))
        elif granularity == Granularity.DAY:
            node = previous_working_day(node)
        else:
            raise ValueError("倒排工期方式应为按月、按周或按日。")
    return sorted(dates)


def propose_milestones(start: dt.date, deadline: dt.date, granularity: str) -> list[tuple[dt.date, str]]:
    """(date, title) of each proposed node: 第N月/周/日节点, the last one 完成整改."""
    dates = backward_dates(start, deadline, granularity)
    unit = STEP_NAMES.get(granularity, "")
    return [(day, "完成全部整改任务" if i == len(dates) else f"第{i}{unit}节点：完成本阶段整改任务")
            for i, day in enumerate(dates, start=1)]


@dataclass(frozen=True)
class Colour:
    warning: str
    missed: int


def warning_for(*, today: dt.date, deadline: dt.date, open_due_dates: Iterable[dt.date]) -> Colour:
    """The warning colour of an item still being worked on, from its unfinished milestones.

    - 红牌 (unlikely to finish on time): the deadline has passed, or two or more milestones are missed.
    - 黄牌 (behind but recoverable): one milestone missed.
    - otherwise on track.
    A milestone is missed when its date has passed (before today) and it is not done.
    """
    missed = sum(1 for due in open_due_dates if due < today)
    if deadline < today or missed >= 2:
        return Colour(WarningColour.RED, missed)
    if missed == 1:
        return Colour(WarningColour.YELLOW, missed)
    return Colour(WarningColour.GREEN, missed)


def parse_milestone_lines(text: str) -> list[tuple[dt.date, str]]:
    """The unit's adjusted milestones, one a line: "2026-04-30 完成方案编制". Raises ValueError in Chinese."""
    result = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, _, title = line.partition(" ")
        try:
            day = dt.date.fromisoformat(head.replace("/", "-"))
        except ValueError as exc:
            example = "如 2026-04-30 完成方案编制"
            raise ValueError(f"第{number}行：应以日期开头（{example}），实际为“{line[:30]}”。") from exc
        title = title.strip()
        if not title:
            raise ValueError(f"第{number}行：请写明节点内容。")
        if len(title) > 200:
            raise ValueError(f"第{number}行：节点内容不能超过200个字。")
        result.append((day, title))
    if not result:
        raise ValueError("请至少填写一个节点。")
    return sorted(result)
