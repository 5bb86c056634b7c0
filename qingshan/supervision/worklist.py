"""The reporting cycle's queues of 我的待办 (contract in qingshan/core/worklist.py): an assignee's reports to fill and
returned ones to redo, an office's reports to review. A returned report is the person's own when they submitted it;
a report to review is the reviewer's own when they reviewed an earlier version of it (a resubmission)."""
from django.db.models import Exists, OuterRef, Q

from qingshan.access.supervision import assignee_org_ids, office_org_ids, visible_slots
from qingshan.core.worklist import WorkQueue

from .choices import SlotState
from .models import Report

ROWS = "supervision/_worklist_rows.html"
ORDERING = ("due_date", "id")


def _assignee(state):
    def items(user, shared):
        orgs = assignee_org_ids(user)
        if not orgs:
            return None
        return visible_slots(user).select_related("item", "org").filter(org_id__in=orgs, state=state)
    return items


def _to_review(user, shared):
    offices = office_org_ids(user)
    if not offices:
        return None
    return (visible_slots(user).select_related("item", "org")
            .filter(state=SlotState.SUBMITTED, item__office_id__in=offices))


def _submitted_by(user) -> Q:
    return Q(Exists(Report.objects.filter(slot=OuterRef("pk"), submitted_by_id=user.pk)))


def _reviewed_by(user) -> Q:
    return Q(Exists(Report.objects.filter(slot=OuterRef("pk"), reviewed_by_id=user.pk)))


def _queue(key, label, order, items, own=None) -> WorkQueue:
    return WorkQueue(key=key, label=label, order=order, items=items, ordering=ORDERING, rows_template=ROWS, own=own)


QUEUES = [
    _queue("reports_to_fill", "待报送", 210, _assignee(SlotState.PENDING)),
    _queue("reports_returned", "报送被退回", 220, _assignee(SlotState.RETURNED), _submitted_by),
    _queue("reports_to_review", "报送待审核", 230, _to_review, _reviewed_by),
]
