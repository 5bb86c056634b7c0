"""倒排工期 across holidays and month ends, and the warning colour rule (pure functions, with the real calendar)."""
import datetime as dt

import pytest

from qingshan.rectification.choices import Granularity, WarningColour
from qingshan.rectification.planning import backward_dates, parse_milestone_lines, propose_milestones, warning_for
from qingshan.workdays.calendar import CalendarNotAvailable, is_working_day

pytestmark = pytest.mark.django_db  # the holiday table (empty here) is read beside chinesecalendar

D = dt.date


def test_by_month_keeps_month_ends_and_steps_back_from_weekends():
    # 31 March 2026 is a Tuesday. 28 February is a Saturday but a make-up working day (调休 for the Spring Festival),
    # so the node stays on it; 31 January is an ordinary Saturday, so its node steps back to Friday the 30th.
    dates = backward_dates(D(2026, 1, 5), D(2026, 3, 31), Granularity.MONTH)
    assert dates == [D(2026, 1, 30), D(2026, 2, 28), D(2026, 3, 31)]
    assert all(is_working_day(d) for d in dates)


def test_by_month_keeps_month_ends_and_clamps_to_shorter_months():
    # 30 April is April's last day, so the nodes are the month ends before it (31 March, 28 February); the start
    # (31 January) itself gets no node.
    assert backward_dates(D(2026, 1, 31), D(2026, 4, 30), Granularity.MONTH) == [
        D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]
    # 30 March is not a month end: the 30th is kept where a month has one and clamped to February's end.
    assert backward_dates(D(2026, 1, 31), D(2026, 3, 30), Granularity.MONTH) == [D(2026, 2, 28), D(2026, 3, 30)]


def test_by_month_across_the_spring_festival_moves_nodes_before_the_holiday():
    # Spring Festival 2026: 15-23 February are holidays. A node on 20 February steps back to the 13th? No: the 14th
    # (Saturday) is a make-up working day, so the node lands there.
    dates = backward_dates(D(2026, 1, 1), D(2026, 3, 20), Granularity.MONTH)
    assert dates[-2] == D(2026, 2, 14)
    assert is_working_day(D(2026, 2, 14)) and not is_working_day(D(2026, 2, 20))
    assert dates == [D(2026, 1, 20), D(2026, 2, 14), D(2026, 3, 20)]


def test_by_week_skips_the_national_day_holiday():
    # 8 October 2026 is inside the National Day holiday (1-7 Oct, 8th?): every node must be a working day.
    dates = backward_dates(D(2026, 9, 20), D(2026, 10, 16), Granularity.WEEK)
    assert dates[-1] == D(2026, 10, 16)
    assert all(is_working_day(d) for d in dates)
    assert not any(D(2026, 10, 1) <= d <= D(2026, 10, 7) for d in dates)


def test_by_day_gives_every_working_day_up_to_the_deadline():
    dates = backward_dates(D(2026, 4, 29), D(2026, 5, 8), Granularity.DAY)
    # Labour Day 2026: 1-5 May off, Saturday 9 May is a make-up day (after the deadline); 30 April is a working day.
    assert dates == [D(2026, 4, 30), D(2026, 5, 6), D(2026, 5, 7), D(2026, 5, 8)]


def test_a_deadline_on_a_holiday_moves_back_to_the_last_working_day_before_it():
    assert backward_dates(D(2026, 9, 1), D(2026, 10, 3), Granularity.MONTH)[-1] == D(2026, 9, 30)


def test_too_many_daily_nodes_and_a_deadline_before_the_start_are_refused():
    with pytest.raises(ValueError, match="按周或按月"):
        backward_dates(D(2026, 1, 1), D(2026, 12, 31), Granularity.DAY)
    with pytest.raises(ValueError, match="晚于"):
        backward_dates(D(2026, 5, 1), D(2026, 4, 1), Granularity.WEEK)


def test_a_year_without_a_calendar_is_refused_not_guessed():
    with pytest.raises(CalendarNotAvailable):
        backward_dates(D(2026, 12, 1), D(2027, 3, 31), Granularity.MONTH)


def test_proposed_titles_count_the_steps_and_the_last_is_completion():
    nodes = propose_milestones(D(2026, 3, 2), D(2026, 5, 29), Granularity.MONTH)
    assert [t for _, t in nodes][0].startswith("第1月节点")
    assert nodes[-1] == (D(2026, 5, 29), "完成全部整改任务")


def test_warning_rule():
    today = D(2026, 4, 10)
    assert warning_for(today=today, deadline=D(2026, 6, 30), open_due_dates=[D(2026, 4, 10)]).warning == \
        WarningColour.GREEN  # due today: not missed yet
    assert warning_for(today=today, deadline=D(2026, 6, 30), open_due_dates=[D(2026, 4, 9)]).warning == \
        WarningColour.YELLOW
    assert warning_for(today=today, deadline=D(2026, 6, 30),
                       open_due_dates=[D(2026, 3, 31), D(2026, 4, 9)]).warning == WarningColour.RED
    assert warning_for(today=today, deadline=D(2026, 4, 9), open_due_dates=[]).warning == WarningColour.RED


def test_adjusted_lines_are_read_and_bad_lines_named():
    assert parse_milestone_lines("2026-05-29 完成修复\n\n2026-04-30 完成方案") == [
        (D(2026, 4, 30), "完成方案"), (D(2026, 5, 29), "完成修复")]
    with pytest.raises(ValueError, match="第2行"):
        parse_milestone_lines("2026-04-30 完成方案\n四月底 完成修复")
    with pytest.raises(ValueError, match="节点内容"):
        parse_milestone_lines("2026-04-30")
