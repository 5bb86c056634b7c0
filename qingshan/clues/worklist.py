"""The discipline loop's queues of 我的待办 (contract in qingshan/core/worklist.py), one per step a part of the
handling circle owes: 信访 screens, forwards and tells reporters; 案管 registers and assigns; the team signs,
proposes, records the collective study and works 函询, 初步核实 and reviews of 暂存待查; the leader approves.
Each starts from the clues the user may see (the hard block included), narrowed to the commissions or the offices
in whose name the user plays that part.
"""
import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from qingshan.access.clues import circle_of, visible_clues
from qingshan.core.worklist import WorkQueue

from .choices import State

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


QUEUES = [
    _queue("clue_screen", "线索待研判", 700, _for("xinfang", _state(State.RECEIVED))),
    _queue("clue_forward_up", "线索待上交", 705, _for("xinfang", _state(State.UP_PENDING))),
    _queue("clue_notices", "待告知举报人", 710, _for("xinfang", _notices_owed)),
    _queue("clue_down", "下转线索待接收", 715, _for("lower", _state(State.DOWN_PENDING))),
    _queue("clue_register", "线索待登记编号", 720, _for("anguan", _state(State.ACCEPTED))),
    _queue("clue_assign", "线索待分办", 725, _for("anguan", _state(State.NUMBERED))),
    _queue("clue_sign", "线索待签收", 730, _for("team", _state(State.ASSIGNED))),
    _queue("clue_propose", "线索待提出处置意见", 735, _for("team", _state(State.HANDLING))),
    _queue("clue_study", "线索待集体研究", 740, _for("team", _state(State.PROPOSED))),
    _queue("clue_approve", "线索处置待审批", 745, _for("leader", _state(State.STUDIED))),
    _queue("clue_inquiry", "谈话函询办理中", 750, _for("team", _state(State.INQUIRY))),
    _queue("clue_verify", "初步核实办理中", 755, _for("team", _state(State.VERIFYING))),
    _queue("clue_review", "暂存待查到期复查", 760, _for("team", _review_due)),
]
