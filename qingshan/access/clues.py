"""Who may see and act on discipline clues, and who may open a reporter's identity (domain §2, §5).

Two rules, applied here once for every surface (pages, API, letters, exports, search, reminders, KPIs):
- The handling circle: a commission's 信访 and 案管 staff (at a district commission, its staff), its leaders, the
  office or stationed group the clue is assigned to, and a lower commission a clue is being passed down to.
  Nobody else of any kind sees a clue: not the other offices, not a unit, not a partner.
- The hard block: anyone whose organisation is the reported unit or a unit under it, or who is the reported
  person, never sees the clue, whatever other role they hold. It is applied last, after every grant.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from qingshan.audit.services import record_event
from qingshan.clues.choices import Action, JobKind, State
from qingshan.clues.models import (
    Clue,
    ClueJob,
    InquiryLetter,
    ProblemTransfer,
    QuarterDue,
    QuarterReport,
    ReporterVault,
    VaultReveal,
)
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError, stated_reason
from qingshan.orgs.choices import OrgKind, Role
from qingshan.orgs.models import Organisation, User, commission_of
from qingshan.problems.choices import Action as ProblemAction

from .actors import profile_of
from .crypto import decrypt

OBJECT_TYPE = "clues.clue"
# Who works a clue at a commission that has offices (the city) …
XINFANG_ROLES = frozenset({Role.XINFANG_STAFF})
ANGUAN_ROLES = frozenset({Role.ANGUAN_STAFF})
# … and at a district commission, whose staff do the 信访 and 案管 work themselves and whose head signs.
DISTRICT_WORK_ROLES = frozenset({Role.DISTRICT_STAFF, Role.DISTRICT_HEAD})
LEADER_ROLES = frozenset({Role.COMMISSION_LEADER, Role.DISTRICT_HEAD})
TEAM_ROLES = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD, Role.GROUP_STAFF, Role.GROUP_HEAD,
                        Role.DISTRICT_STAFF, Role.DISTRICT_HEAD})


@dataclass(frozen=True)
class ClueCircle:
    """The organisations in whose name a user works clues, by part they play (ids)."""

    xinfang: frozenset[int]  # commissions whose 信访 work the user does
    anguan: frozenset[int]  # commissions whose 案管 work the user does
    leader: frozenset[int]  # commissions whose clue decisions the user signs
    team: frozenset[int]  # offices, groups (or a district commission) the user handles assigned clues for

    @property
    def intake(self) -> frozenset[int]:
        return self.xinfang | self.anguan


def circle_of(user: User) -> ClueCircle:
    """The user's part in the discipline loop, computed once per request and cached on the user."""
    cached = getattr(user, "_qingshan_clue_circle", None)
    if cached is not None:
        return cached
    profile = profile_of(user)
    xinfang, anguan, leader, team = set(), set(), set(), set()
    for m in profile.memberships:
        org = m.organisation
        commission = commission_of(org)
        if commission is None and org.kind == OrgKind.STATIONED_GROUP and m.role in TEAM_ROLES:
            team.add(org.pk)
            continue
        if commission is None:
            continue
        if m.role in XINFANG_ROLES:
            xinfang.add(commission.pk)
        if m.role in ANGUAN_ROLES:
            anguan.add(commission.pk)
        if m.role in DISTRICT_WORK_ROLES and org.kind == OrgKind.COMMISSION:
            xinfang.add(commission.pk)
            anguan.add(commission.pk)
        if m.role in LEADER_ROLES and org.kind == OrgKind.COMMISSION:
            leader.add(commission.pk)
        if m.role in TEAM_ROLES:
            team.add(org.pk)
    circle = ClueCircle(frozenset(xinfang), frozenset(anguan), frozenset(leader), frozenset(team))
    user._qingshan_clue_circle = circle  # type: ignore[attr-defined]  # cached on the object, for this request
    return circle


def blocked_units(user: User) -> frozenset[int]:
    """The user's organisations and every one above them (a clue reported there is hidden from the user), cached on
    the user. The memberships come with their organisations' parents (profile_of), so the usual two-level tree costs
    no query; a deeper one costs one per further level."""
    cached = getattr(user, "_qingshan_clue_blocked", None)
    if cached is not None:
        return cached
    found: set[int] = set()
    frontier: set[int] = set()
    for m in profile_of(user).memberships:
        org = m.organisation
        found.add(org.pk)
        parent = org.parent  # loaded with the membership (profile_of)
        if parent is not None:
            found.add(parent.pk)
            if parent.parent_id is not None and parent.parent_id not in found:
                frontier.add(parent.parent_id)
    result = _self_and_above(found, frontier)
    user._qingshan_clue_blocked = result  # type: ignore[attr-defined]  # cached on the object, for this request
    return result


def _self_and_above(known: set[int], frontier: set[int]) -> frozenset[int]:
    """`known` and `frontier` with all the ancestors of `frontier` (one query per further level)."""
    found = known | frontier
    while frontier:
        parents = set(Organisation.objects.filter(pk__in=frontier, parent__isnull=False)
                      .values_list("parent_id", flat=True)) - found
        found |= parents
        frontier = parents
    return frozenset(found)


def blocked_q(user: User) -> Q:
    """The clues `user` is hard-blocked from: about the user's own unit (or one above it), or about the user."""
    q = Q(reported_person_id=user.pk) if user.pk else Q(pk__in=[])
    units = blocked_units(user)
    if units:
        q |= Q(reported_unit_id__in=units)
    return q


def circle_q(user: User) -> Q:
    """The clues the user's part in the loop reaches, before the hard block (benchmarks compare the two)."""
    profile = profile_of(user)
    if not profile.memberships:
        return Q(pk__in=[])
    circle = circle_of(user)
    scope = Q(pk__in=[])
    if circle.intake | circle.leader:
        scope |= Q(commission_id__in=circle.intake | circle.leader)
    if circle.intake:
        scope |= Q(transferred_from_id__in=circle.intake) | Q(down_to_id__in=circle.intake, state=State.DOWN_PENDING)
    if circle.team:
        scope |= Q(assigned_org_id__in=circle.team)
    return scope


def visible_clues(user: User) -> QuerySet[Clue]:
    """Every clue `user` may see: the handling circle, less the hard block."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Clue.objects.none()
    circle = circle_of(user)
    if not (circle.intake or circle.leader or circle.team):
        return Clue.objects.filter(pk__in=[])  # nobody outside the circle: no query spent on the block
    return Clue.objects.filter(circle_q(user)).exclude(blocked_q(user))


def access_clue(user: User, pk: int | str, *, related: tuple[str, ...] = (), defer: tuple[str, ...] = ()) -> Clue:
    """The clue `pk` if `user` may see it; otherwise NotFound (the same answer as for a missing id). `related` and
    `defer`: more select_related paths and fields left unread, for the caller (the clue page reads the transfer and
    the vault's masked reference, never its encrypted fields)."""
    try:
        clue = visible_clues(user).select_related(
            "commission", "reported_unit", "assigned_org", "duplicate_of", "down_to", "transferred_from",
            "approved_by", "created_by", *related).defer(*defer).get(pk=pk)
    except (Clue.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    clue._qingshan_seen_by = (user.pk, _visibility_key(clue))  # type: ignore[attr-defined]  # see capacity_for
    return clue


def _visibility_key(clue: Clue) -> tuple:
    """The fields of a clue that the circle and the hard block read: while they are unchanged on the instance, a
    visibility already established for it by the database still holds for this request."""
    return (clue.commission_id, clue.transferred_from_id, clue.down_to_id, clue.state, clue.assigned_org_id,
            clue.reported_unit_id, clue.reported_person_id)


def access_letter(user: User, pk: int | str) -> InquiryLetter:
    """A 函询 letter whose clue `user` may see; otherwise NotFound."""
    try:
        letter = InquiryLetter.objects.get(pk=pk)
    except (InquiryLetter.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if not visible_clues(user).filter(pk=letter.clue_id).exists():
        raise NotFound
    return letter


@dataclass(frozen=True)
class Capacity:
    """In what part a user may act on one clue (each the organisation acted for, or None)."""

    xinfang: Organisation | None = None
    anguan: Organisation | None = None
    team: Organisation | None = None
    leader: Organisation | None = None
    lower: Organisation | None = None  # the lower commission a clue is being passed down to

    @property
    def acting_org(self) -> Organisation | None:
        return self.team or self.anguan or self.xinfang or self.leader or self.lower


def capacity_for(user: User, clue: Clue) -> Capacity:
    """The parts `user` may play on `clue` now; empty for anyone blocked or outside the circle. A clue just read for
    `user` through access_clue (and not changed since on the instance) needs no second look at the database; the
    services re-read the clue under a lock first, so they always ask it."""
    seen = getattr(clue, "_qingshan_seen_by", None)
    if seen != (user.pk, _visibility_key(clue)) and not visible_clues(user).filter(pk=clue.pk).exists():
        return Capacity()
    circle = circle_of(user)
    commission = clue.commission
    return Capacity(
        xinfang=commission if clue.commission_id in circle.xinfang else None,
        anguan=commission if clue.commission_id in circle.anguan else None,
        team=clue.assigned_org if clue.assigned_org_id and clue.assigned_org_id in circle.team else None,
        leader=commission if clue.commission_id in circle.leader else None,
        lower=clue.down_to if (clue.state == State.DOWN_PENDING and clue.down_to_id in circle.intake) else None,
    )


def may_reveal_reporter(user: User, clue: Clue) -> bool:
    """Only 信访, 案管 and the assigned team may open the vault (not a leader as such, never anyone blocked)."""
    capacity = capacity_for(user, clue)
    return bool(capacity.xinfang or capacity.anguan or capacity.team)


def reveal_reporter(*, user: User, clue: Clue, reason: str) -> dict:
    """Decrypt the reporter's identity and the original text for `user`; records a 借阅登记 entry and an audit event
    in one transaction (no record, no reveal)."""
    reason = stated_reason(reason, missing="查阅举报人信息须填写事由。")
    capacity = capacity_for(user, clue)
    if not (capacity.xinfang or capacity.anguan or capacity.team):
        raise PermissionRefused("只有信访室、案管室和承办部门的人员可以查阅举报人信息。")
    try:
        vault = ReporterVault.objects.get(clue=clue)
    except ReporterVault.DoesNotExist as exc:
        raise ServiceError("该线索没有留存举报人信息。") from exc
    part = "承办部门" if capacity.team else ("案管室" if capacity.anguan else "信访室")
    org = capacity.team or capacity.anguan or capacity.xinfang
    with transaction.atomic():
        VaultReveal.objects.create(clue=clue, user=user, organisation=org, capacity=part, reason=reason)
        record_event(object_type=OBJECT_TYPE, object_id=clue.pk, action=Action.REVEAL_REPORTER, actor=user,
                     actor_org=org, from_state=clue.state, to_state=clue.state, reason=reason, internal=True)
    return {field: decrypt(getattr(vault, f"{field}_encrypted")) if getattr(vault, f"{field}_encrypted") else ""
            for field in ("name", "unit", "address", "phone", "id_number", "text")}


def visible_reveals(user: User) -> QuerySet[VaultReveal]:
    """借阅登记 entries 案管 may list: those of the clues of the commissions whose 案管 work the user does (and still
    may see: a blocked 案管 officer does not learn of a clue through its reveals)."""
    circle = circle_of(user)
    if not circle.anguan:
        return VaultReveal.objects.none()
    clues = visible_clues(user).filter(commission_id__in=circle.anguan)
    return VaultReveal.objects.filter(clue__in=clues.values("pk"))


def access_clue_job(user: User, pk: int | str) -> ClueJob:
    """A background job of the loop (an export of the 借阅登记, a letter), to its asker only, and only while the
    asker may still see what it holds: a clue they are now blocked from, or a register they no longer keep, reads as
    a missing id (NotFound)."""
    try:
        job = ClueJob.objects.get(pk=pk, created_by_id=user.pk)
    except (ClueJob.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if job.kind == JobKind.REVEALS:
        if not circle_of(user).anguan:
            raise NotFound
    elif job.kind == JobKind.QUARTER:
        if job.quarter_report_id is None or not _may_have_quarter_report(user, job.quarter_report_id):
            raise NotFound
    elif job.clue_id is None or not visible_clues(user).filter(pk=job.clue_id).exists():
        raise NotFound
    return job


def visible_quarter_reports(user: User) -> QuerySet[QuarterReport]:
    """The quarterly report-backs `user` may have: their own office's, and those of the offices of the commissions
    whose 信访 work the user does or whose clue decisions the user signs (the rule of the services)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return QuarterReport.objects.none()
    circle = circle_of(user)
    return QuarterReport.objects.filter(Q(office_id__in=circle.team) | Q(
        office__parent_id__in=circle.xinfang | circle.leader))


def access_quarter_report(user: User, pk: int | str) -> QuarterReport:
    """One report-back `user` may have; otherwise NotFound (the same answer as for a missing id)."""
    try:
        return visible_quarter_reports(user).select_related("office__parent").get(pk=pk)
    except (QuarterReport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def _may_have_quarter_report(user: User, report_id: int) -> bool:
    return visible_quarter_reports(user).filter(pk=report_id).exists()


def visible_quarter_dues(user: User) -> QuerySet[QuarterDue]:
    """The quarterly report-backs owed (clues.QuarterDue) that `user` may know of: their own office's, and those of
    the offices of the commissions whose 信访 work the user does or whose clue decisions the user signs."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return QuarterDue.objects.none()
    circle = circle_of(user)
    return QuarterDue.objects.filter(Q(office_id__in=circle.team) | Q(
        office__parent_id__in=circle.xinfang | circle.leader))


def blocked_transfer_events_q(user: User) -> Q:
    """A problem's events that tell of its 移送 to a clue `user` is hard-blocked from (AuditEvent rows): the problem's
    timeline, ledger chain and 查账 figures leave them out for that reader, who would otherwise learn that a clue
    exists about their unit or themselves. Everyone else keeps seeing that the problem was transferred (never the
    clue itself)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    blocked = ProblemTransfer.objects.filter(clue__in=Clue.objects.filter(blocked_q(user)).values("pk"))
    return Q(object_type="problems.problem", action=ProblemAction.TRANSFER_CLUE,
             object_id__in=blocked.values("problem_id"))


def recipients_among(user_ids: set[int], clue: Clue) -> set[int]:
    """Those of `user_ids` who are not hard-blocked from `clue` (notices are sent to nobody else)."""
    return _drop_blocked([clue], {clue.pk: set(user_ids)})[clue.pk]


# ---------------------------------------------------------------- who is told (reminders and notices)

def handlers_of(clues: Iterable[Clue], part: str) -> dict[int, set[int]]:
    """clue id → the active people playing `part` on it ("xinfang", "anguan", "leader", "team", "lower"), less
    everyone hard-blocked from it. A fixed handful of queries, whatever the number of clues."""
    from qingshan.orgs.models import Membership

    clues = list(clues)
    if not clues:
        return {}
    wanted: dict[int, set[int]] = {}  # clue → candidate users
    if part == "team":
        org_of = {c.pk: c.assigned_org_id for c in clues if c.assigned_org_id}
        rows = Membership.objects.filter(organisation_id__in=set(org_of.values()), role__in=TEAM_ROLES,
                                         is_active=True, user__is_active=True).values_list("organisation_id",
                                                                                            "user_id")
        by_org: dict[int, set[int]] = {}
        for org_id, user_id in rows:
            by_org.setdefault(org_id, set()).add(user_id)
        wanted = {pk: set(by_org.get(org_id, ())) for pk, org_id in org_of.items()}
    else:
        commission_of_clue = {c.pk: (c.down_to_id if part == "lower" else c.commission_id) for c in clues}
        commissions = {v for v in commission_of_clue.values() if v}
        roles: frozenset = LEADER_ROLES if part == "leader" else (
            ANGUAN_ROLES if part == "anguan" else XINFANG_ROLES if part == "xinfang" else XINFANG_ROLES | ANGUAN_ROLES)
        office_q = Q(organisation__parent_id__in=commissions, organisation__kind=OrgKind.OFFICE, role__in=roles)
        direct_roles = LEADER_ROLES if part == "leader" else DISTRICT_WORK_ROLES
        direct_q = Q(organisation_id__in=commissions, role__in=direct_roles)
        members = Membership.objects.filter(office_q | direct_q, is_active=True, user__is_active=True).values_list(
            "organisation_id", "organisation__parent_id", "user_id")
        by_commission: dict[int | None, set[int]] = {}
        for org_id, parent_id, user_id in members:
            by_commission.setdefault(org_id if org_id in commissions else parent_id, set()).add(user_id)
        wanted = {pk: set(by_commission.get(cid, ())) for pk, cid in commission_of_clue.items()}
    return _drop_blocked(clues, wanted)


def _drop_blocked(clues: Iterable[Clue], wanted: dict[int, set[int]]) -> dict[int, set[int]]:
    """`wanted` less, for each clue, the people whose organisation is its reported unit or under it, or who are the
    reported person (two queries: the people's organisations and the organisation tree)."""
    from qingshan.orgs.models import Membership

    users = set().union(*wanted.values()) if wanted else set()
    if not users:
        return wanted
    orgs_of: dict[int, set[int]] = {}
    for user_id, org_id in Membership.objects.filter(user_id__in=users, is_active=True).values_list(
            "user_id", "organisation_id"):
        orgs_of.setdefault(user_id, set()).add(org_id)
    parent = dict(Organisation.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))

    def above(org_ids: set[int]) -> set[int]:
        found = set(org_ids)
        for org_id in org_ids:
            seen = org_id
            while seen in parent and parent[seen] not in found:
                seen = parent[seen]
                found.add(seen)
        return found

    above_of = {u: above(orgs) for u, orgs in orgs_of.items()}
    return {c.pk: {u for u in wanted.get(c.pk, set())
                   if u != c.reported_person_id and c.reported_unit_id not in above_of.get(u, set())}
            for c in clues}
