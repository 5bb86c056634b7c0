"""The work loop's watched deadlines (domain §8): signing, handling, and extension requests awaiting a decision."""
from collections.abc import Collection, Mapping, Sequence

from django.db.models import QuerySet
from django.urls import reverse

from qingshan.access.problems import visible_problems
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import HEAD_ROLES, LEADER_ROLES, SUPERVISOR_ROLES, UNIT_ROLES
from qingshan.orgs.models import Membership

from .choices import EscalationLevel, ExtensionStatus, State
from .models import Extension, Problem

# States in which the lead unit holds the problem and owes the handling (a reply awaiting review has met it).
HANDLING_STATES = (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS)


def _members(org_ids: set[int], roles) -> dict[int, set[int]]:
    """org id → ids of its active members holding one of `roles` (one query)."""
    result: dict[int, set[int]] = {}
    rows = Membership.objects.filter(organisation_id__in=org_ids, role__in=roles, is_active=True,
                                     user__is_active=True).values_list("organisation_id", "user_id")
    for org_id, user_id in rows:
        result.setdefault(org_id, set()).add(user_id)
    return result


def _restricted(problems: Sequence[Problem]) -> dict[int, set[int]]:
    """problem id → the only people who may know of it, for restricted problems."""
    ids = [p.pk for p in problems if p.is_restricted]
    result: dict[int, set[int]] = {pk: set() for pk in ids}
    if ids:
        for problem_id, user_id in Problem.restricted_to.through.objects.filter(problem_id__in=ids).values_list(
                "problem_id", "user_id"):
            result[problem_id].add(user_id)
    return result


def _scoped(problems: Sequence[Problem], wanted: dict[int, set[int]]) -> dict[int, Collection[int]]:
    limits = _restricted(problems)
    return {p.pk: (wanted.get(p.pk, set()) & limits[p.pk]) if p.pk in limits else wanted.get(p.pk, set())
            for p in problems}


def unit_recipients(problems: Sequence[Problem]) -> Mapping[int, Collection[int]]:
    """The lead unit's handlers and head."""
    members = _members({p.lead_unit_id for p in problems if p.lead_unit_id}, UNIT_ROLES)
    return _scoped(problems, {p.pk: members.get(p.lead_unit_id, set()) for p in problems})


def supervisor_recipients(problems: Sequence[Problem]) -> Mapping[int, Collection[int]]:
    """The supervising organisation's staff (who decide on extension requests)."""
    members = _members({p.supervising_org_id for p in problems}, SUPERVISOR_ROLES)
    return _scoped(problems, {p.pk: members.get(p.supervising_org_id, set()) for p in problems})


def head_recipients(problems: Sequence[Problem]) -> Mapping[int, Collection[int]]:
    """The supervising body's leaders: heads of the supervising organisation and the leaders of its commission."""
    from qingshan.orgs.models import Organisation

    org_ids = {p.supervising_org_id for p in problems}
    parents = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "parent_id"))
    members = _members(org_ids | {v for v in parents.values() if v}, HEAD_ROLES | LEADER_ROLES)
    return _scoped(problems, {p.pk: members.get(p.supervising_org_id, set()) | members.get(
        parents.get(p.supervising_org_id), set()) for p in problems})


def _escalate(problem: Problem, level: int, reason: str) -> bool:
    from .services import problem_escalate

    problem_escalate(actor=None, problem=problem, level=max(level, EscalationLevel.BLUE), reason=reason)
    return True  # an item already at the level is refused by the service, and the sweep notes why


def _problem_title(problem: Problem) -> str:
    return f"{problem.number} {problem.title}"


def problem_url(problem: Problem) -> str:
    return reverse("problems:detail", args=[problem.pk])


def _nobody(items: Sequence) -> Mapping[int, Collection[int]]:
    return {}


def _notice_kind(code: str, label: str) -> DeadlineKind:
    """A kind of notice about a problem (core/notices.py): its services name the recipients, the sweep never runs it;
    it is shown, titled and hidden in the inbox exactly like the problems' deadlines."""
    return DeadlineKind(code=code, label=label, watched=Problem.objects.all, deadline_field="handle_deadline",
                        title=_problem_title, url=problem_url, recipients=_nobody, escalation_recipients=_nobody,
                        visible=visible_problems, notice=True)


def visible_extensions(user) -> QuerySet[Extension]:
    """Extension requests of the problems `user` may see (whose reminders stay in the user's inbox)."""
    return Extension.objects.filter(problem__in=visible_problems(user).values("pk"))


def _extension_problems(extensions: Sequence[Extension]) -> list[Problem]:
    return [e.problem for e in extensions]


def _by_extension(func):
    """Adapt a per-problem recipients function to extension requests (keyed by the extension's id)."""
    def recipients(extensions: Sequence[Extension]) -> Mapping[int, Collection[int]]:
        per_problem = func(_extension_problems(extensions))
        return {e.pk: per_problem.get(e.problem_id, ()) for e in extensions}
    return recipients


DEADLINE_KINDS = [
    DeadlineKind(
        code="problems.sign", label="签收期限",
        watched=lambda: Problem.objects.filter(state=State.DISPATCHED),
        deadline_field="sign_deadline", title=_problem_title, url=problem_url,
        recipients=unit_recipients, escalation_recipients=head_recipients, escalate=_escalate,
        visible=visible_problems, default_blue_days=0, default_escalate_after_days=2, unit="lead_unit",
        page="problems:detail",
    ),
    DeadlineKind(
        code="problems.handle", label="办理期限",
        watched=lambda: Problem.objects.filter(state__in=HANDLING_STATES),
        deadline_field="handle_deadline", title=_problem_title, url=problem_url,
        recipients=unit_recipients, escalation_recipients=head_recipients, escalate=_escalate,
        urge_count_field="urge_count", visible=visible_problems, default_blue_days=2, default_escalate_after_days=3,
        default_escalate_after_urges=3, unit="lead_unit", page="problems:detail",
    ),
    DeadlineKind(
        # An extension must be decided before the deadline it would move: the supervisors are reminded.
        code="problems.extension", label="延期申请待审批",
        watched=lambda: Extension.objects.filter(status=ExtensionStatus.PENDING).select_related("problem"),
        deadline_field="old_deadline",
        title=lambda e: f"{_problem_title(e.problem)}（申请延至{e.requested_deadline:%Y-%m-%d}）",
        url=lambda e: problem_url(e.problem), title_related=("problem",),
        recipients=_by_extension(supervisor_recipients), escalation_recipients=_by_extension(head_recipients),
        visible=visible_extensions, default_blue_days=1, default_escalate_after_days=None, unit="problem__lead_unit",
        page="problems:detail",
    ),
    _notice_kind("problems.instruction", "领导批示"),
    _notice_kind("problems.leader_escalation", "领导督办"),
    _notice_kind("problems.progress", "进展报送"),
    _notice_kind("problems.partner_reply", "协作单位回复"),
]
