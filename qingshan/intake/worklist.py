"""Machine intake's queue of 我的待办 (contract in core/worklist.py): duplicate proposals waiting for the
supervising side; the person's own are those on problems they registered."""
from django.db.models import Q

from qingshan.access.intake import may_see_intake, visible_proposals
from qingshan.core.worklist import WorkQueue

from .models import DuplicateProposal


def _pending(user, shared):
    if not may_see_intake(user):
        return None
    return visible_proposals(user).filter(status=DuplicateProposal.Status.PENDING).select_related(
        "problem", "candidate")


def _registered_by(user) -> Q:
    return Q(problem__created_by_id=user.pk)


QUEUES = [
    WorkQueue(key="duplicates_to_confirm", label="疑似重复待确认", order=150, items=_pending,
              ordering=("-created_at", "-pk"), rows_template="intake/_worklist_rows.html", own=_registered_by),
]
