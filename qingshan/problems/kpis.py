"""The KPI definitions of domain §10 as named conditions on problems.

One definition serves both the figure and its drill-down list: the KPI page counts rows matching a condition,
and the problem list filters by the same condition (`?kpi=overdue&as_of=...`), so a number always equals the
length of the list behind it.

Counts are "for problems received in a period, as of a date": state changes with a timestamp (dispatch, sign,
reply, close) are judged as of the end of `as_of`; counters (rejections, urgings) are as recorded now.
"""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from qingshan.core.choices import EscalationLevel

from .choices import CLOSED_STATES, State


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the deployment's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def received(as_of: dt.date) -> Q:
    # Merged duplicates are counted under their primary; they are reported separately as 重复件.
    return ~Q(state=State.MERGED) & Q(received_at__lt=_end_of(as_of))


def closed(as_of: dt.date) -> Q:
    return received(as_of) & Q(state__in=CLOSED_STATES, closed_at__lt=_end_of(as_of))


def closed_on_time(as_of: dt.date) -> Q:
    return closed(as_of) & Q(closed_on_time=True)


def overdue(as_of: dt.date) -> Q:
    """Dispatched, not closed by the end of `as_of`, its handling deadline before `as_of`, and no timely reply."""
    end = _end_of(as_of)
    not_closed = Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    replied_in_time = Q(replied_on_time=True, replied_at__lt=end)
    return (received(as_of) & Q(first_dispatched_at__lt=end) & not_closed & Q(handle_deadline__lt=as_of)
            & ~replied_in_time)


def overdue_now(today: dt.date) -> Q:
    """`overdue(today)` for the open work of 我的待办 and the list's ?overdue=1. As of today nothing can have been
    received, dispatched, replied or closed after today's end (nothing is recorded in the future), so the condition
    is the open problems past their deadline without a timely reply: a form that the covering index of the open
    problems (`problem_overdue_idx`) answers alone. The general form's `closed_at >= <end>` branch made PostgreSQL
    OR two indexes and read the heap of every overdue problem: 195 ms for a commission's 29,735 at 1,000,000."""
    return (~Q(state=State.MERGED) & Q(first_dispatched_at__isnull=False, closed_at__isnull=True,
                                       handle_deadline__lt=today) & ~Q(replied_on_time=True))


def closed_or_overdue(as_of: dt.date) -> Q:
    return closed(as_of) | overdue(as_of)


def dispatched(as_of: dt.date) -> Q:
    return received(as_of) & Q(first_dispatched_at__lt=_end_of(as_of))


def signed_on_time(as_of: dt.date) -> Q:
    return dispatched(as_of) & Q(signed_on_time=True, signed_at__lt=_end_of(as_of))


def reviewed(as_of: dt.date) -> Q:
    return received(as_of) & Q(review_count__gte=1)


def rejected(as_of: dt.date) -> Q:
    return received(as_of) & Q(rejection_count__gte=1)


def urged(as_of: dt.date) -> Q:
    return dispatched(as_of) & Q(urge_count__gte=1)


def duplicates(as_of: dt.date) -> Q:
    return Q(state=State.MERGED, received_at__lt=_end_of(as_of))


def open_(as_of: dt.date) -> Q:
    return received(as_of) & ~closed(as_of)


@dataclass(frozen=True)
class Rate:
    """A KPI that is a ratio: numerator and denominator are named conditions."""

    key: str
    label: str
    numerator: str
    denominator: str


CONDITIONS = {
    "received": (received, "受理数"),
    "closed": (closed, "办结数"),
    "closed_on_time": (closed_on_time, "按期办结数"),
    "closed_or_overdue": (closed_or_overdue, "已办结与超期合计"),
    "overdue": (overdue, "超期数"),
    "open": (open_, "未办结数"),
    "dispatched": (dispatched, "交办数"),
    "signed_on_time": (signed_on_time, "按时签收数"),
    "reviewed": (reviewed, "审核数"),
    "rejected": (rejected, "发回重办数"),
    "urged": (urged, "催办数"),
    "duplicates": (duplicates, "重复件"),
}

RATES = [
    Rate("closure_rate", "办结率", "closed", "received"),
    Rate("on_time_closure_rate", "按期办结率", "closed_on_time", "closed_or_overdue"),
    Rate("on_time_sign_rate", "按时签收率", "signed_on_time", "dispatched"),
    Rate("rejection_rate", "发回重办率", "rejected", "reviewed"),
    Rate("urge_rate", "催办率", "urged", "dispatched"),
]


def red_open(as_of: dt.date) -> Q:
    """Open problems under red supervision (提级督办 at the highest level): the overview's red list."""
    return open_(as_of) & Q(escalation_level=EscalationLevel.RED)


# Conditions counted for the overview beside the KPI table's (not columns of the table).
EXTRA_CONDITIONS = {
    "red_open": (red_open, "红色督办未办结"),
}


def counted(name: str, as_of: dt.date) -> Q:
    """The Q of a condition of CONDITIONS or EXTRA_CONDITIONS."""
    return (CONDITIONS.get(name) or EXTRA_CONDITIONS[name])[0](as_of)


def condition(name: str, as_of: dt.date) -> Q:
    """The Q of a named condition; KeyError for an unknown name."""
    return CONDITIONS[name][0](as_of)
