"""The rectification queues of 我的待办 (contract in qingshan/core/worklist.py): a unit's items to plan and to push
forward, its 黄牌/红牌 items; the signatures waiting for the named office holder in person; the supervising side's
applications to check on site, notices to close out and re-checks due."""
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.rectification import visible_items
from qingshan.core.worklist import WorkQueue
from qingshan.orgs.choices import HEAD_ROLES, LEADER_ROLES, Role

from .choices import RecheckResult, State, WarningColour
from .models import Recheck
from .selectors import LIST_RELATED

ROWS = "rectification/_worklist_rows.html"
ORDERING = (F("deadline").asc(), "id")


def _visible(user, shared: dict) -> QuerySet:
    if "rectification.visible" not in shared:
        shared["rectification.visible"] = visible_items(user).select_related(*LIST_RELATED)
    return shared["rectification.visible"].all()


def _unit(condition):
    def items(user, shared):
        units = profile_of(user).unit_ids
        if not units:
            return None
        return _visible(user, shared).filter(lead_unit_id__in=units).filter(condition)
    return items


def _supervising(condition):
    def items(user, shared):
        if not profile_of(user).supervising:
            return None
        return _visible(user, shared).filter(condition() if callable(condition) else condition)
    return items


def _signatory(state_q: Q, person_field: str, signed_field: str, roles):
    """The items waiting for this very person's signature; a queue only for holders of a signing office."""
    def items(user, shared):
        if not profile_of(user).roles & roles:
            return None
        return _visible(user, shared).filter(state_q, **{person_field: user.pk, f"{signed_field}__isnull": True})
    return items


def _rechecks_due():
    due = Recheck.objects.filter(result=RecheckResult.PENDING, due_on__lte=timezone.localdate()).values("item_id")
    return Q(state=State.CLOSED, pk__in=due)


def _queue(key, label, order, items) -> WorkQueue:
    return WorkQueue(key=key, label=label, order=order, items=items, ordering=ORDERING, rows_template=ROWS)


QUEUES = [
    _queue("rect_to_plan", "整改待制定方案", 410, _unit(Q(state=State.PLANNING))),
    _queue("rect_in_progress", "整改推进中", 420, _unit(Q(state=State.IN_PROGRESS))),
    _queue("rect_unit_warning", "整改黄牌/红牌", 430,
           _unit(Q(state=State.IN_PROGRESS, warning__in=[WarningColour.YELLOW, WarningColour.RED]))),
    _queue("rect_sign_unit", "待本人签字（责任单位）", 440, _signatory(Q(state=State.CHECKED), "unit_signatory",
                                                              "unit_signed_at", {Role.UNIT_PARTY_SECRETARY})),
    _queue("rect_sign_supervisor", "待本人签字（督导方）", 445,
           _signatory(Q(state=State.CHECKED), "supervisor_signatory", "supervisor_signed_at",
                      HEAD_ROLES | LEADER_ROLES)),
    _queue("rect_to_check", "整改待验收核查", 450, _supervising(Q(state=State.APPLIED))),
    _queue("rect_to_publish", "整改待公示", 460, _supervising(Q(state=State.CHECKED))),
    _queue("rect_notice", "整改公示中", 470, _supervising(Q(state=State.NOTICE))),
    _queue("rect_red", "整改红牌预警", 480, _supervising(Q(state=State.IN_PROGRESS, warning=WarningColour.RED))),
    _queue("rect_recheck", "整改待回头看", 490, _supervising(_rechecks_due)),
]
