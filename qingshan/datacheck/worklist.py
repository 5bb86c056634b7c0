"""The model hits' queues of 我的待办 (contract in qingshan/core/worklist.py): hits waiting for triage (研判) and hits
sent for verification, for the supervisors who triage them. A hit under verification is the person's own when they
sent it there."""
from django.db.models import Q

from qingshan.access.datacheck import acting_org, visible_hits
from qingshan.core.worklist import WorkQueue

from .choices import HitState

ROWS = "datacheck/_worklist_rows.html"


def _in_state(state):
    def items(user, shared):
        if acting_org(user) is None:  # looking is not triaging: leaders and read-only users have no queue
            return None
        return visible_hits(user).select_related("model", "region").defer("evidence").filter(state=state)
    return items


def _decided_by(user) -> Q:
    return Q(decided_by_id=user.pk)


QUEUES = [
    WorkQueue(key="hits_to_triage", label="线索待研判", order=310, items=_in_state(HitState.NEW),
              ordering=("-last_seen_at", "-id"), rows_template=ROWS),
    WorkQueue(key="hits_verifying", label="线索核查中", order=320, items=_in_state(HitState.VERIFYING),
              ordering=("-last_seen_at", "-id"), rows_template=ROWS, own=_decided_by),
]
