"""A report slot shows one state: the workflow state, qualified only by the facts that belong to it."""
import datetime as dt

import pytest

from qingshan.core.choices import EscalationLevel
from qingshan.supervision.choices import SlotState
from qingshan.supervision.models import ReportSlot
from qingshan.supervision.status import slot_status

TODAY = dt.date(2026, 3, 2)
PAST, FUTURE = dt.date(2026, 2, 6), dt.date(2026, 3, 9)


def slot(state, due=PAST, on_time=None, level=EscalationLevel.NONE) -> ReportSlot:
    return ReportSlot(state=state, due_date=due, on_time=on_time, escalation_level=level)


def test_a_returned_overdue_red_slot_submitted_on_time_once_shows_one_state_without_the_stale_on_time():
    status = slot_status(slot(SlotState.RETURNED, on_time=True, level=EscalationLevel.RED), TODAY)
    assert status.label == "退回修改（超期，红色督办）" and status.colour == "danger" and "按时" not in status.label


@pytest.mark.parametrize(("state", "due", "on_time", "level", "label", "colour"), [
    (SlotState.PENDING, FUTURE, None, 0, "待报送", "secondary"),
    (SlotState.PENDING, PAST, None, 0, "待报送（超期）", "danger"),
    (SlotState.PENDING, PAST, None, EscalationLevel.YELLOW, "待报送（超期，黄色督办）", "warning"),
    (SlotState.RETURNED, FUTURE, False, 0, "退回修改", "warning"),
    # A report that is in: the deadline is settled, an escalation about the missing report is no longer shown.
    (SlotState.SUBMITTED, PAST, False, EscalationLevel.RED, "已报送（迟报）", "info"),
    (SlotState.SUBMITTED, FUTURE, True, 0, "已报送（按时报送）", "info"),
    (SlotState.APPROVED, PAST, True, EscalationLevel.BLUE, "已通过（按时报送）", "success"),
])
def test_precedence(state, due, on_time, level, label, colour):
    status = slot_status(slot(state, due=due, on_time=on_time, level=level), TODAY)
    assert (status.label, status.colour) == (label, colour)
