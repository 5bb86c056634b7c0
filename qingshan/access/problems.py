"""Who may see and act on problems, their attachments and their reporters' contact details (domain §2)."""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull

from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.orgs.choices import LEADER_ROLES, REPORTER_CONTACT_ROLES, Role
from qingshan.orgs.models import Organisation, User, commission_of
from qingshan.problems.choices import Action, State
from qingshan.problems.models import Attachment, Problem, ProblemAudience

from .actors import ActorProfile, profile_of
from .crypto import decrypt


def problem_scope_q(user: User) -> Q:
    """A Q selecting exactly the problems `user` may see. Nothing at all for an unknown or inactive user.

    Shaped for the database: a commission's jurisdiction is a prefix of `region_path` (an index range), and everything
    addressed to units, groups or partners is one uncorrelated `id IN (…)` set read from the audience table, built once
    per query. A correlated EXISTS per problem row cost a unit handler seconds on SQLite (it cannot seek the assignment
    index past a boolean column) and forced a filter over every row on PostgreSQL. The restriction is checked on the
    problem rows here (a page reads them anyway: with the audience rows' copy of the flag in the id set instead,
    PostgreSQL probed the audience per problem row and a group's first page went from 0.5 to 30-60 ms); an unfiltered
    count reads the copy instead (`addressed_only_ids`).
    """
    profile = profile_of(user)
    scope = _jurisdiction_q(profile)
    addressed = _addressed_problem_ids(profile)
    if addressed is not None:
        scope |= Q(pk__in=addressed.values("problem_id"))
    return scope & _restriction_q(user)


def problem_probe_scope_q(user: User) -> Q:
    """`problem_scope_q(user)` for a query that first picks a few thousand candidate problems by their own columns (a
    state, a pending extension): the same problems, with whether each is addressed to the user probed on the audience
    table's (problem, organisation) key once per candidate, never read as a whole set and joined to them.

    The probe is a correlated scalar subquery (`(SELECT … LIMIT 1) IS NOT NULL`), which PostgreSQL runs per row and
    cannot flatten into a join. The uncorrelated id set (or an EXISTS, which PostgreSQL turns into the same semi-join)
    leaves the choice to the planner: in 我的待办's one-statement counts it hash-joined a stationed group's whole
    audience (93,105 rows at 1,000,000 problems, 22 ms) to 待审核's 2,798 candidates, which are probed in 6 ms. A probe
    costs more than an audience row read in a set (1.4 µs against 0.2 µs): for tens of thousands of candidates, or a
    whole list, `problem_scope_q` is the cheaper form."""
    profile = profile_of(user)
    scope = _jurisdiction_q(profile)
    addressed = _addressed_problem_ids(profile)
    if addressed is not None:
        probe = addressed.filter(problem_id=OuterRef("pk")).values("problem_id")[:1]
        scope |= Q(IsNull(Subquery(probe), False))
    return scope & _restriction_q(user)


def _jurisdiction_q(profile: ActorProfile) -> Q:
    """The commissions' jurisdictions: region_path prefixes (nothing for everyone else)."""
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    return scope


def _restriction_q(user: User) -> Q:
    """Per-item restriction to named people, which overrides every role: unrestricted, or `user` is named."""
    return Q(is_restricted=False) | Q(pk__in=_named_ids(user))


def _named_ids(user: User) -> QuerySet:
    return Problem.restricted_to.through.objects.filter(user_id=user.pk).values("problem_id")


def named_restricted_ids(user: User) -> QuerySet:
    """The ids (a `problem_id` values queryset) of the problems whose restriction names `user`: of the restricted
    problems, the only ones `user` may see (a superset: they are still subject to the rest of the scope)."""
    return _named_ids(user)


def led_problems(user: User) -> QuerySet[Problem] | None:
    """The problems led by `user`'s own units that `user` may see: exactly `visible_problems(user).filter(
    lead_unit_id__in=<the user's units>)`, without the visibility id set. A problem its unit leads is always addressed
    to that unit (see `_addressed_problem_ids`), so only the restriction to named people is left to check: one read
    of the lead-unit index, however many queues of 我的待办 start from it. None for a user outside every unit."""
    profile = profile_of(user)
    if not profile.unit_ids:
        return None
    return Problem.objects.filter(Q(lead_unit_id__in=profile.unit_ids) & _restriction_q(user))


def _addressed_problem_ids(profile: ActorProfile) -> QuerySet | None:
    """The audience rows of the problems addressed now to the profile's units (as lead or active co-unit, never before
    dispatch), supervised by its stationed groups, or transferred to its partner bodies; None when there are none."""
    # One read of the audience table (problems.ProblemAudience, kept by the services): a UNION of the four source
    # tables gave PostgreSQL no estimate (200 rows guessed for 60,000 at 1,000,000 problems: nested loops, 0.6-1 s).
    # The organisation kinds are disjoint (units, stationed groups, partners), so one IN over all of them is exact.
    org_ids = profile.group_unit_ids | profile.unit_ids | profile.group_ids | profile.partner_ids
    if not org_ids:
        return None
    return ProblemAudience.objects.filter(organisation_id__in=sorted(org_ids))


def addressed_only_ids(user: User) -> QuerySet | None:
    """For a user who sees problems only because they are addressed to them (no commission's jurisdiction): the
    distinct ids of exactly `visible_problems(user)`, from the audience table alone, its rows' copy of the
    restriction flag included. An unfiltered list counts these instead of its problems: with the flag read on the
    problem, PostgreSQL hash-joined a group's correctly estimated few percent of the table against a sequential scan
    of it (bench/RESULTS_pages_audience.md). None for everyone else."""
    profile = profile_of(user)
    if profile.jurisdiction_paths:
        return None
    addressed = _addressed_problem_ids(profile)
    if addressed is None:
        return ProblemAudience.objects.none().values("problem_id")
    unrestricted_or_named = Q(is_restricted=False) | Q(problem_id__in=_named_ids(user))
    return addressed.filter(unrestricted_or_named).values("problem_id").distinct()


def visible_problems(user: User) -> QuerySet[Problem]:
    """All problems `user` may see."""
    return Problem.objects.filter(problem_scope_q(user))


def visible_candidates(user: User) -> QuerySet[Problem]:
    """Exactly `visible_problems(user)`, for queries that narrow the problems to a few thousand by their own columns
    before anything else: the audience is probed per candidate (problem_probe_scope_q)."""
    return Problem.objects.filter(problem_probe_scope_q(user))


def access_problem(user: User, pk: int | str) -> Problem:
    """The problem `pk` if `user` may see it; otherwise NotFound (the same answer as for a missing id)."""
    try:
        return visible_problems(user).select_related(
            "source", "category", "region", "lead_unit", "supervising_org", "created_by", "merged_into",
        ).get(pk=pk)
    except (Problem.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class Capacity:
    """In what capacity a user may act on one problem, and in whose name."""

    supervisor_org: Organisation | None = None  # the organisation the user supervises it for
    lead_unit: Organisation | None = None  # the user's unit, when it is the current lead unit
    co_unit: Organisation | None = None
    # A commission leader with jurisdiction (批示, 领导督办 only: the leader stays read-only for everything else) and a
    # partner body the problem was transferred to (its reply only). Neither counts as acting_org, which opens the
    # ordinary write paths (attachments).
    leader_org: Organisation | None = None
    partner_org: Organisation | None = None

    @property
    def acting_org(self) -> Organisation | None:
        return self.supervisor_org or self.lead_unit or self.co_unit


def capacity_for(user: User, problem: Problem) -> Capacity:
    """The capacity in which `user` may act on `problem` (empty when the user may only look, or not even that)."""
    profile = profile_of(user)
    if problem.is_restricted and not problem.restricted_to.filter(pk=user.pk).exists():
        return Capacity()
    supervisor_org = None
    for org in profile.supervising:
        commission = commission_of(org)
        if commission is not None and problem.region_path.startswith(commission.region.path):
            supervisor_org = org
            break
        # Each group for its own units (prefetched by profile_of), so a person in two groups acts for the right one.
        if org.kind == "stationed_group" and (
            problem.supervising_org_id == org.pk
            or (problem.lead_unit_id and any(u.pk == problem.lead_unit_id for u in org.supervised_units.all()))
        ):
            supervisor_org = org
            break
    lead = problem.lead_unit if problem.lead_unit_id in profile.unit_ids else None
    co = None
    if lead is None and profile.unit_ids:
        co_assignment = problem.assignments.filter(unit_id__in=profile.unit_ids, is_active=True).first()
        co = co_assignment.unit if co_assignment else None
    leader_org = next((m.organisation for m in profile.memberships if m.role in LEADER_ROLES
                       and (commission := commission_of(m.organisation)) is not None
                       and problem.region_path.startswith(commission.region.path)), None)
    partner_org = None
    if profile.partner_ids:
        # Through .all(): the detail page prefetched the shares with their partners.
        partner_org = next((s.partner for s in problem.shares.all() if s.partner_id in profile.partner_ids), None)
    return Capacity(supervisor_org=supervisor_org, lead_unit=lead, co_unit=co, leader_org=leader_org,
                    partner_org=partner_org)


def may_see_internal(user: User) -> bool:
    """Whether internal review comments and events are shown to `user`."""
    return profile_of(user).sees_internal


def may_reveal_reporter(user: User, problem: Problem) -> bool:
    """Only those with a need may reveal a reporter's contact details: 信访 and 案管 staff with jurisdiction over the
    problem, or the team of the organisation supervising it (for 回访 and verification)."""
    profile = profile_of(user)
    if capacity_for(user, problem).supervisor_org is None:
        return False
    if profile.roles & {Role.XINFANG_STAFF, Role.ANGUAN_STAFF}:
        return True
    return any(m.organisation_id == problem.supervising_org_id and m.role in REPORTER_CONTACT_ROLES
               for m in profile.memberships)


def reveal_problem_reporter(*, user: User, problem: Problem, reason: str) -> dict:
    """Decrypt the reporter's contact details for `user`, logging who, when and why in the audit chain."""
    if not reason or not reason.strip():
        raise ServiceError("查看来电人联系方式须填写事由。", field="reason")
    if not may_reveal_reporter(user, problem):
        raise PermissionRefused("您无权查看该问题来电人的联系方式。")
    reporter = getattr(problem, "reporter", None)
    if reporter is None:
        raise NotFound
    capacity = capacity_for(user, problem)
    with transaction.atomic():
        record_event(object_type="problems.problem", object_id=problem.pk, action=Action.REVEAL_REPORTER,
                     actor=user, actor_org=capacity.supervisor_org, reason=reason.strip(), internal=True,
                     from_state=problem.state, to_state=problem.state)
    return {"name": decrypt(reporter.name_encrypted), "phone": decrypt(reporter.phone_encrypted)}


def access_attachment(user: User, pk: int | str) -> Attachment:
    """An attachment whose problem `user` may see; otherwise NotFound."""
    try:
        attachment = Attachment.objects.select_related("problem").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if not visible_problems(user).filter(pk=attachment.problem_id).exists():
        raise NotFound
    return attachment


def states_visible_to_units() -> frozenset[str]:
    """States in which a problem can be addressed to a unit at all (before dispatch no unit sees it)."""
    return frozenset(State.values) - {State.RECEIVED}
