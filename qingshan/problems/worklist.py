"""The work loop's queues of 我的待办 (contract in qingshan/core/worklist.py): a unit's problems to sign, handle or
redo and its overdue ones; the supervisors' problems to dispatch and review, extensions to decide and overdue ones;
a partner body's problems transferred to it. Each starts from the problems the user may see. A unit person's own
problems are those they signed; a supervisor's, those they registered."""
import datetime as dt

from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.problems import led_problems, visible_candidates, visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core.worklist import WorkQueue

from . import kpis
from .choices import TERMINAL_STATES, Action, ExtensionStatus, State
from .models import Extension
from .selectors import LIST_RELATED


def _visible(user, shared: dict) -> QuerySet:
    """The problems `user` may see, built once per gathering and shared by every queue (it is the costly part)."""
    if "problems.visible" not in shared:
        shared["problems.visible"] = visible_problems(user).select_related(*LIST_RELATED)
    return shared["problems.visible"].all()


def _candidates(user, shared: dict) -> QuerySet:
    """The same problems as `_visible`, for a supervisors' queue that picks a few thousand problems at most by their
    own columns (a state, a pending extension): whether each is addressed to the user is probed per candidate
    (access.problems.visible_candidates), instead of joining the user's whole audience to them. For a stationed
    group at 1,000,000 problems: 待审核's 2,798 candidates probed in 6 ms, where hashing the group's 93,105 audience
    rows took 22 ms."""
    if "problems.candidates" not in shared:
        shared["problems.candidates"] = visible_candidates(user).select_related(*LIST_RELATED)
    return shared["problems.candidates"].all()


def _led(user, shared: dict) -> QuerySet | None:
    """The problems the user's units lead (as the user may see them), shared by the unit's queues: no visibility id
    set to rebuild in each queue's queries (access.problems.led_problems)."""
    if "problems.led" not in shared:
        led = led_problems(user)
        shared["problems.led"] = None if led is None else led.select_related(*LIST_RELATED)
    led = shared["problems.led"]
    return None if led is None else led.all()


def _unit(condition):
    """A lead unit's queue: the problems it leads meeting `condition(today)`; no queue for users outside a unit."""
    def items(user, shared):
        led = _led(user, shared)
        if led is None:
            return None
        return led.filter(condition(timezone.localdate()))
    return items


def _supervising(condition, *, few=True):
    """A supervisor's queue: the visible problems meeting `condition(today)`. `few`: the condition alone leaves a few
    thousand problems of the whole city at most, so each one's audience is probed (`_candidates`); otherwise the
    user's audience is read once as a set and joined (已超期: 29,733 open problems past their deadline in the city at
    1,000,000, whose probes cost 42 ms for a stationed group against 22 ms for hashing its 93,105 audience rows)."""
    def items(user, shared):
        if not profile_of(user).supervising:
            return None
        start = _candidates(user, shared) if few else _visible(user, shared)
        return start.filter(condition(timezone.localdate()))
    return items


def _shared(user, shared):
    if not profile_of(user).partner_ids:
        return None
    return _visible(user, shared).exclude(state__in=TERMINAL_STATES)


def _state(*states):
    return lambda today: Q(state__in=states)


def _pending_extension(today):
    return Exists(Extension.objects.filter(problem=OuterRef("pk"), status=ExtensionStatus.PENDING))


ORDERING = (F("handle_deadline").asc(nulls_last=True), "-id")
# The same order, as an expression no index provides: a queue of few problems among a whole jurisdiction's (待交办:
# registered, with no deadline yet) is then read through its state's index and sorted, instead of walking the
# deadline index to its NULLs at the far end (985,517 rows filtered out for 40 at 1,000,000 problems: 1.1 s).
FEW_ORDERING = (Coalesce("handle_deadline", Value(dt.date.max), output_field=DateField()).asc(), "-id")
ROWS = "problems/_worklist_rows.html"


def _signed_by(user) -> Q:
    """The problems `user` signed (签收) for their unit: the audit trail is where a signature is kept. Probed per
    problem on audit_actor_action_idx, whose key is exactly (person, action, type, id): one index entry per problem.
    (On the object index a probe read every event of the problem, 48 ms for a handler's 1,925 open problems at
    1,000,000; a set of all the person's signatures, 48,666 for one handler, cost more to hash than the probes.)"""
    return Q(Exists(AuditEvent.objects.filter(actor_id=user.pk, action=Action.SIGN, object_type="problems.problem",
                                              object_id=OuterRef("pk"))))


def _registered_by(user) -> Q:
    return Q(created_by_id=user.pk)


def _queue(key, label, order, items, own=None, ordering=ORDERING) -> WorkQueue:
    return WorkQueue(key=key, label=label, order=order, items=items, ordering=ordering, rows_template=ROWS, own=own)


QUEUES = [
    _queue("to_sign", "待签收", 110, _unit(_state(State.DISPATCHED))),
    _queue("to_handle", "办理中", 120, _unit(_state(State.SIGNED, State.IN_PROGRESS)), _signed_by),
    _queue("rejected", "被发回重办", 130, _unit(lambda today: Q(state=State.IN_PROGRESS, rejection_count__gte=1)),
           _signed_by),
    _queue("unit_overdue", "已超期", 140, _unit(kpis.overdue_now), _signed_by),
    _queue("to_dispatch", "待交办", 150, _supervising(_state(State.RECEIVED, State.RETURNED)), _registered_by,
           ordering=FEW_ORDERING),
    _queue("to_review", "待审核", 160, _supervising(_state(State.REPLIED)), _registered_by),
    _queue("extensions", "延期待审批", 170, _supervising(_pending_extension), _registered_by),
    _queue("overdue", "已超期", 180, _supervising(kpis.overdue_now, few=False), _registered_by),
    _queue("shared", "移送本单位（未办结）", 190, _shared, ordering=FEW_ORDERING),
]
