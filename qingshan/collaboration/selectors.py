"""Reads of the joint work (会商 and their tasks, joint inspections, interviews, transfers to partner bodies), scoped
by the access module."""
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from qingshan.access.collaboration import (
    access_consultation,
    access_inspection,
    access_interview,
    access_partner_transfer,
    visible_consultations,
    visible_findings,
    visible_inspections,
    visible_interviews,
    visible_partner_transfers,
)
from qingshan.access.problems import visible_problems
from qingshan.orgs.models import User
from qingshan.problems.models import Problem

from .choices import TaskState
from .models import Consultation, Finding, Inspection, Interview, PartnerTransfer


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


# ---------------------------------------------------------------- the joint-work API (api.py)


def inspection_list(*, user: User) -> QuerySet[Inspection]:
    return visible_inspections(user).select_related("led_by").order_by("-starts_on", "-pk")


def inspection_detail(*, user: User, pk: int | str) -> Inspection:
    """One inspection with its bodies, teams, sites and findings (as `participant_list`, `team_list`, `site_list`,
    each site's `finding_list`); a finding's problem (`visible_problem`) only when the caller may see that problem."""
    inspection = access_inspection(user, pk)
    findings = list(Finding.objects.filter(site__inspection=inspection).select_related("problem", "category"))
    seen = set(visible_problems(user).filter(pk__in=[f.problem_id for f in findings if f.problem_id])
               .values_list("pk", flat=True))
    by_site: dict[int, list[Finding]] = {}
    for finding in findings:
        finding.visible_problem = finding.problem if finding.problem_id in seen else None  # type: ignore[attr-defined]
        by_site.setdefault(finding.site_id, []).append(finding)
    sites = list(inspection.sites.select_related("team", "region"))
    for site in sites:
        site.finding_list = by_site.get(site.pk, [])  # type: ignore[attr-defined]
    inspection.site_list = sites  # type: ignore[attr-defined]
    inspection.participant_list = list(inspection.participants.order_by("pk"))  # type: ignore[attr-defined]
    inspection.team_list = list(  # type: ignore[attr-defined]
        inspection.teams.select_related("leader").prefetch_related("members"))
    return inspection


def interview_list(*, user: User) -> QuerySet[Interview]:
    return visible_interviews(user).select_related("led_by").order_by("-held_on", "-pk")


def interview_detail(*, user: User, pk: int | str) -> Interview:
    """One interview with both sides, its commitments and the problems discussed (`party_list`, `commitment_list`,
    `problem_list`), a problem named only when the caller may see it."""
    interview = access_interview(user, pk)
    problems = list(interview.problems.filter(pk__in=visible_problems(user).values("pk")).order_by("pk"))
    commitments = list(interview.commitments.select_related("task__assignee"))
    seen = {p.pk for p in problems}
    seen |= set(visible_problems(user).filter(pk__in=[c.problem_id for c in commitments
                                                      if c.problem_id and c.problem_id not in seen])
                .values_list("pk", flat=True))
    numbers = dict(Problem.objects.filter(pk__in=seen).values_list("pk", "number"))
    for commitment in commitments:
        commitment.problem_number = numbers.get(commitment.problem_id or 0, "")  # type: ignore[attr-defined]
    interview.problem_list = problems  # type: ignore[attr-defined]
    interview.commitment_list = commitments  # type: ignore[attr-defined]
    interview.party_list = list(interview.parties.select_related("organisation"))  # type: ignore[attr-defined]
    return interview


def partner_transfer_list(*, user: User) -> QuerySet[PartnerTransfer]:
    return visible_partner_transfers(user).select_related("partner", "sender_org").order_by("-sent_at", "-pk")


def partner_transfer_detail(*, user: User, pk: int | str) -> PartnerTransfer:
    return access_partner_transfer(user, pk)
