"""What a user is, in terms the rules need: memberships, loaded once per request and cached on the user object."""
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import prefetch_related_objects

from qingshan.orgs.choices import (
    LEADER_ROLES,
    PARTNER_ROLES,
    READONLY_ROLES,
    SUPERVISOR_ROLES,
    UNIT_ROLES,
    OrgKind,
)
from qingshan.orgs.models import Membership, Organisation, User, commission_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser



@dataclass
class ActorProfile:
    """A user's memberships grouped by what they let the user see and do."""

    supervising: list[Organisation] = field(default_factory=list)  # orgs the user supervises in the name of
    jurisdiction_paths: set[str] = field(default_factory=set)  # region subtrees seen in full (commissions)
    group_unit_ids: set[int] = field(default_factory=set)  # units supervised through stationed groups
    group_ids: set[int] = field(default_factory=set)
    unit_ids: set[int] = field(default_factory=set)  # units the user works in (handler / head)
    partner_ids: set[int] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    org_ids: set[int] = field(default_factory=set)
    memberships: list[Membership] = field(default_factory=list)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.roles & SUPERVISOR_ROLES)

    @property
    def is_unit_user(self) -> bool:
        return bool(self.unit_ids)

    @property
    def sees_internal(self) -> bool:
        """Internal review comments are for the supervising side only, never for a unit or a partner."""
        return bool(self.roles & (SUPERVISOR_ROLES | LEADER_ROLES | READONLY_ROLES))


def profile_of(user: "User | AnonymousUser | None") -> ActorProfile:
    """The user's ActorProfile, computed once and cached on the user object."""
    cached = getattr(user, "_qingshan_profile", None)
    if cached is not None:
        return cached
    profile = ActorProfile()
    if user is None or not user.is_authenticated or not user.is_active:
        return profile
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation__region", "organisation__parent__region")
    )
    # A stationed group's units are read by the rules (and only a group's); the query is spared to everyone else,
    # on every page (bench/RESULTS_rectification.md).
    groups = [m.organisation for m in memberships if m.organisation.kind == OrgKind.STATIONED_GROUP]
    if groups:
        prefetch_related_objects(groups, "supervised_units")
    for m in memberships:
        org = m.organisation
        profile.memberships.append(m)
        profile.roles.add(m.role)
        profile.org_ids.add(org.pk)
        commission = commission_of(org)
        if m.role in SUPERVISOR_ROLES | LEADER_ROLES | READONLY_ROLES:
            if commission is not None:
                profile.jurisdiction_paths.add(commission.region.path)
            elif org.kind == OrgKind.STATIONED_GROUP:
                profile.group_ids.add(org.pk)
                profile.group_unit_ids.update(u.pk for u in org.supervised_units.all())
            if m.role in SUPERVISOR_ROLES and org not in profile.supervising:
                profile.supervising.append(org)
        elif m.role in UNIT_ROLES and org.kind == OrgKind.UNIT:
            profile.unit_ids.add(org.pk)
        elif m.role in PARTNER_ROLES and org.kind == OrgKind.PARTNER:
            profile.partner_ids.add(org.pk)
    user._qingshan_profile = profile  # type: ignore[attr-defined]  # cached on the object, for this request
    return profile
