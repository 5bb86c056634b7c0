"""Every read of problems a user can see. Each selector starts from the access-scoped queryset."""
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.crypto import mask_name, mask_phone
from qingshan.access.problems import access_problem, may_reveal_reporter, may_see_internal, visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core.params import without_blanks

from . import kpis
from .choices import TERMINAL_STATES, ExtensionStatus, State
from .filters import ProblemFilter
from .models import Assignment, Extension, Problem

LIST_RELATED = ("source", "category", "region", "lead_unit")


def problem_list(*, user, params=None) -> tuple[QuerySet[Problem], ProblemFilter]:
    """The problems `user` may see, filtered by `params` (query parameters); returns the queryset and the filter."""
    # Long texts are not shown in lists; leaving them out keeps a page of rows small.
    base = visible_problems(user).select_related(*LIST_RELATED).defer("description", "reply_text")
    filterset = ProblemFilter(without_blanks(params), queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    return queryset, filterset


def problem_detail(*, user, pk) -> Problem:
    """One problem with what its page shows, or NotFound."""
    problem = access_problem(user, pk)
    # Prefetch onto the instance so the page and allowed_actions() use one query each.
    prefetch_related_objects(
        [problem],
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("assigned_at", "id")),
        "extensions__requested_by", "extensions__decided_by", "attachments__uploaded_by",
        # Only the duplicates this user may see: a unit must not learn the numbers and titles of complaints merged
        # into its problem from elsewhere (a hotline call it was never given).
        Prefetch("duplicates", queryset=visible_problems(user).order_by("pk")),
        "shares__partner",
    )
    return problem


def problem_timeline(*, user, problem: Problem) -> QuerySet[AuditEvent]:
    """The problem's events, oldest first; internal ones only for the supervising side."""
    events = AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk).select_related(
        "actor_org").order_by("seq")
    if not may_see_internal(user):
        events = events.filter(internal=False)
    return events


def reporter_for_display(*, user, problem: Problem) -> dict | None:
    """The masked reporter for those who may know a reporter exists; None for everyone else (units included)."""
    reporter = getattr(problem, "reporter", None) if hasattr(problem, "reporter") else None
    if reporter is None or not may_see_internal(user):
        return None
    # Masked again on read: rows stored under the earlier, laxer rule (a 7-digit phone kept whole) are hidden too.
    return {"name": mask_name(reporter.name_masked), "phone": mask_phone(reporter.phone_masked),
            "can_reveal": may_reveal_reporter(user, problem)}


@dataclass
class Queue:
    key: str
    label: str
    queryset: QuerySet


def inbox_queues(*, user) -> list[Queue]:
    """我的待办: the queues of work waiting for `user`, by what the user may do."""
    profile = profile_of(user)
    visible = visible_problems(user).select_related(*LIST_RELATED)
    today = timezone.localdate()
    queues: list[Queue] = []
    if profile.unit_ids:
        mine = visible.filter(lead_unit_id__in=profile.unit_ids)
        queues += [
            Queue("to_sign", "待签收", mine.filter(state=State.DISPATCHED)),
            Queue("to_handle", "办理中", mine.filter(state__in=[State.SIGNED, State.IN_PROGRESS])),
            Queue("rejected", "被发回重办", mine.filter(state=State.IN_PROGRESS, rejection_count__gte=1)),
            Queue("unit_overdue", "已超期", mine.filter(kpis.overdue(today))),
        ]
    if profile.supervising:
        queues += [
            Queue("to_dispatch", "待交办", visible.filter(state__in=[State.RECEIVED, State.RETURNED])),
            Queue("to_review", "待审核", visible.filter(state=State.REPLIED)),
            Queue("extensions", "延期待审批", visible.filter(Exists(Extension.objects.filter(
                problem=OuterRef("pk"), status=ExtensionStatus.PENDING)))),
            Queue("overdue", "已超期", visible.filter(kpis.overdue(today))),
        ]
    if profile.partner_ids:
        queues.append(Queue("shared", "移送本单位（未办结）", visible.exclude(state__in=TERMINAL_STATES)))
    return queues
