"""Reads of 会商 and their tasks, scoped by the access module."""
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from qingshan.access.collaboration import (
    access_consultation,
    visible_consultations,
    visible_findings,
    visible_interviews,
    visible_partner_transfers,
)
from qingshan.orgs.models import User

from .choices import TaskState
from .models import Consultation, Finding, Interview, PartnerTransfer


def consultation_list(*, user: User) -> QuerySet[Consultation]:
    return (visible_consultations(user).select_related("convened_by")
            .annotate(task_count=Count("tasks", distinct=True),
                      open_tasks=Count("tasks", filter=Q(tasks__state=TaskState.OPEN), distinct=True))
            .order_by("-held_on", "-pk"))


def consultation_detail(*, user: User, pk: int | str) -> Consultation:
    return access_consultation(user, pk)


@dataclass(frozen=True)
class ProblemJointWork:
    """The joint work behind and around one problem, as the viewer may see it."""
    finding: Finding | None
    transfers: list[PartnerTransfer]
    interviews: list[Interview]

    def __bool__(self) -> bool:
        return bool(self.finding or self.transfers or self.interviews)


def joint_work_for_problem(*, user: User, problem_id: int) -> ProblemJointWork:
    """The joint-inspection finding a problem came from, its transfers to partner bodies and the joint interviews
    that discussed it: three scoped queries, whatever the number of each."""
    return ProblemJointWork(
        finding=(visible_findings(user).filter(problem_id=problem_id)
                 .select_related("site__inspection").first()),
        transfers=list(visible_partner_transfers(user).filter(problem_id=problem_id)
                       .select_related("partner").order_by("-pk")),
        interviews=list(visible_interviews(user).filter(problems=problem_id).order_by("-pk")),
    )
