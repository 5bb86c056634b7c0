"""The discipline loop's queues of 我的待办 (contract in qingshan/core/worklist.py), one per step a part of the
handling circle owes: 信访 screens, forwards and tells reporters; 案管 registers and assigns; the team signs,
proposes, records the collective study, works 函询, 初步核实 and reviews of 暂存待查 and reports each quarter's
closed results back to 信访室; the named signing leader approves.
Each starts from the clues the user may see (the hard block included), narrowed to the commissions or the offices
in whose name the user plays that part.
"""
import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from qingshan.access.clues import circle_of, visible_clues
from qingshan.core.worklist import WorkQueue

from . import quarters
from .choices import State
from .models import QuarterReport

ROWS = "clues/_worklist_rows.html"
REVIEW_AHEAD_DAYS = 7  # a shelved clue shows up this many days before its review date


def _visible(user, shared: dict) -> QuerySet:
    if "clues.visible" not in shared:
        shared["clues.visible"] = visible_clues(user).select_related("reported_unit", "assigned_org")
    return shared["clues.visible"].all()


def _for(part: str, condition):
    """A queue of `part`: the user's visible clues of the commissions (or offices) they play it for."""
    def items(user, shared):
        circle = circle_of(user)
        ids = getattr(circle, {"lower": "intake"}.get(part, part))
        if not ids:
            return None
        field = {"team": "assigned_org_id__in", "lower": "down_to_id__in"}.get(part, "commission_id__in")
        return _visible(user, shared).filter(**{field: ids}).filter(condition(timezone.localdate()))
    return items


def _to_sign(user, shared):
    """Proposals waiting for the user's own signature (签批领导 named at the study), not any leader's."""
    if not circle_of(user).leader:
        return None
    return _visible(user, shared).filter(commission_id__in=circle_of(user).leader, state=State.STUDIED,
                                         signing_leader_id=user.pk)


def _quarter_unreported(today: dt.date) -> Q:
    """Closed last quarter by an office that has not yet reported that quarter back to 信访室."""
    year, quarter = quarters.previous(today)
    first, last = quarters.bounds(year, quarter)
    reported = QuarterReport.objects.filter(office_id=OuterRef("assigned_org_id"), year=year, quarter=quarter)
    return Q(closed_on__range=(first, last)) & ~Q(Exists(reported))


def _state(*states):
    return lambda today: Q(state__in=states)


def _notices_owed(today: dt.date) -> Q:
    return (Q(is_real_name=True, acceptance_notice_due__isnull=False, acceptance_notified_on__isnull=True)
            | Q(is_real_name=True, result_notice_due__isnull=False, result_notified_on__isnull=True))


def _review_due(today: dt.date) -> Q:
    return Q(state=State.SHELVED, review_due__lte=today + dt.timedelta(days=REVIEW_AHEAD_DAYS))


def _queue(key, label, order, items) -> WorkQueue:
    return WorkQueue(key=key, label=label, order=order, items=items, rows_template=ROWS,
                     ordering=(F("received_on").asc(), "id"))


def _working(today: dt.date) -> Q:
    return Q(state__in=(State.INQUIRY, State.VERIFYING)) | _review_due(today)


# One queue per kind of work, so a person's inbox costs one count per part they play (an officer of an office: 3).
QUEUES = [
    _queue("clue_screen", "线索待研判、待上交", 700, _for("xinfang", _state(State.RECEIVED, State.UP_PENDING))),
    _queue("clue_notices", "待告知举报人", 710, _for("xinfang", _notices_owed)),
    _queue("clue_down", "下转线索待接收", 715, _for("lower", _state(State.DOWN_PENDING))),
    _queue("clue_anguan", "线索待登记、待分办", 720, _for("anguan", _state(State.ACCEPTED, State.NUMBERED))),
    _queue("clue_sign", "线索待签收", 730, _for("team", _state(State.ASSIGNED))),
    _queue("clue_dispose", "线索待提出处置意见、待集体研究", 735, _for("team", _state(State.HANDLING, State.PROPOSED))),
    _queue("clue_working", "谈话函询、初步核实、暂存到期", 750, _for("team", _working)),
    _queue("clue_approve", "线索处置待审批", 760, _to_sign),
    _queue("clue_quarter", "上季度办结线索待回告信访室", 765, _for("team", _quarter_unreported)),
]
