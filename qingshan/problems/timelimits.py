"""Which time limits apply to a problem (domain §4, local practice: configurable per source and category)."""
import datetime as dt

from django.db.models import Q
from django.utils import timezone

from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from .models import Problem, TimeLimitRule

DEFAULT_RULE = TimeLimitRule(sign_days=1, handle_days=15, extension_notice_days=1)


def rule_for(problem: Problem) -> TimeLimitRule:
    """The most specific rule matching the problem's source, category and urgency; else the built-in default."""
    candidates = TimeLimitRule.objects.filter(
        (Q(source_id=problem.source_id) | Q(source__isnull=True))
        & (Q(category_id=problem.category_id) | Q(category__isnull=True))
        & (Q(urgency=problem.urgency) | Q(urgency=""))
    )
    return max(candidates, key=lambda r: r.specificity, default=DEFAULT_RULE)


# 移送协作单位: the partner body's feedback is due this many working days after the transfer unless the officer
# chooses the date (the page's form offers this default; collaboration's transfer service applies and checks it).
SHARE_FEEDBACK_DAYS = 10
SHARE_FEEDBACK_MAX_DAYS = 60


def share_feedback_deadline() -> dt.date | None:
    """Today's default feedback deadline of a 移送协作单位; None when this year's calendar is not entered yet."""
    try:
        return add_working_days(timezone.localdate(), SHARE_FEEDBACK_DAYS)
    except CalendarNotAvailable:
        return None
