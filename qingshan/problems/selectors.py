"""Every read of problems a user can see. Each selector starts from the access-scoped queryset."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects

from qingshan.access.clues import blocked_transfer_events_q
from qingshan.access.crypto import mask_name, mask_phone
from qingshan.access.problems import (
    access_problem,
    addressed_only_ids,
    may_reveal_reporter,
    may_see_internal,
    visible_problems,
)
from qingshan.audit.models import AuditEvent
from qingshan.core.params import without_blanks
from qingshan.orgs.models import User

from .choices import OPEN_STATES, EscalationLevel
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


# Filters that do not narrow the list: sorting, and the reference day of the KPI filter.
NOT_NARROWING = frozenset({"ordering", "as_of"})


def problem_list_count_ids(*, user: User, filterset: ProblemFilter) -> QuerySet | None:
    """What the list of `problem_list` may count instead of its problems: for an unfiltered list of a user who sees
    only what is addressed to them (units, stationed groups, partners), their distinct ids from the audience table,
    an index-only read however many problems there are. None when the list must be counted as it is."""
    if not filterset.is_valid() or any(value not in (None, "", [], ()) for name, value in
                                       filterset.form.cleaned_data.items() if name not in NOT_NARROWING):
        return None
    return addressed_only_ids(user)


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
    """The problem's events, oldest first; internal ones only for the supervising side, and never its 移送 to a clue
    the reader is hard-blocked from."""
    events = AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk).exclude(
        blocked_transfer_events_q(user)).select_related("actor_org").order_by("seq")
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


RED_LIST_SHOWN_PER_UNIT = 10
RED_LIST_ROWS = 500  # problems fetched to show under the units; every unit's count is exact regardless


@dataclass
class RedGroup:
    """One responsible unit on the red list: how many of its open problems are at 红色督办, and the first few."""

    unit_id: int | None
    unit_name: str
    count: int
    problems: list[Problem] = field(default_factory=list)


def red_list_by_unit(*, user: User) -> list[RedGroup]:
    """Open problems `user` may see at 红色督办 (where 提级督办 puts them), grouped by lead unit, most first.

    Two queries whatever the size: the counts per unit, and the most urgent problems (earliest deadline first) to
    list under them.
    """
    red = visible_problems(user).filter(escalation_level__gte=EscalationLevel.RED, state__in=OPEN_STATES)
    counts = (red.order_by().values("lead_unit_id", "lead_unit__name").annotate(n=Count("id"))
              .order_by("-n", "lead_unit__name"))
    groups = {row["lead_unit_id"]: RedGroup(row["lead_unit_id"], row["lead_unit__name"] or "无主办单位", row["n"])
              for row in counts}
    rows = (red.only("id", "number", "title", "state", "handle_deadline", "escalation_level", "lead_unit_id")
            .order_by("handle_deadline", "id")[:RED_LIST_ROWS])
    for problem in rows:
        group = groups.get(problem.lead_unit_id)
        if group is not None and len(group.problems) < RED_LIST_SHOWN_PER_UNIT:
            group.problems.append(problem)
    return list(groups.values())
