"""Every read of problems a user can see. Each selector starts from the access-scoped queryset."""
from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from qingshan.access.crypto import mask_name, mask_phone
from qingshan.access.problems import access_problem, may_reveal_reporter, may_see_internal, visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core.params import without_blanks
from qingshan.orgs.models import User

from .filters import ProblemFilter
from .models import Assignment, Problem

LIST_RELATED = ("source", "category", "region", "lead_unit")


def problem_list(*, user: User, params: Mapping[str, Any] | None = None) -> tuple[QuerySet[Problem], ProblemFilter]:
    """The problems `user` may see, filtered by `params` (query parameters); returns the queryset and the filter."""
    # Long texts are not shown in lists; leaving them out keeps a page of rows small.
    base = visible_problems(user).select_related(*LIST_RELATED).defer("description", "reply_text")
    filterset = ProblemFilter(without_blanks(params), queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    return queryset, filterset


def problem_detail(*, user: User, pk: int | str) -> Problem:
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


def problem_timeline(*, user: User, problem: Problem) -> QuerySet[AuditEvent]:
    """The problem's events, oldest first; internal ones only for the supervising side."""
    events = AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk).select_related(
        "actor_org").order_by("seq")
    if not may_see_internal(user):
        events = events.filter(internal=False)
    return events


def reporter_for_display(*, user: User, problem: Problem) -> dict | None:
    """The masked reporter for those who may know a reporter exists; None for everyone else (units included)."""
    reporter = getattr(problem, "reporter", None) if hasattr(problem, "reporter") else None
    if reporter is None or not may_see_internal(user):
        return None
    # Masked again on read: rows stored under the earlier, laxer rule (a 7-digit phone kept whole) are hidden too.
    return {"name": mask_name(reporter.name_masked), "phone": mask_phone(reporter.phone_masked),
            "can_reveal": may_reveal_reporter(user, problem)}
