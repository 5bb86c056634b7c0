"""Whose 体检报告 (unit portrait) a user may open: the supervising side over the units under it, never a unit.

A commission sees the responsible units of its jurisdiction (a district commission those of its district), a stationed
group the units it is stationed at. A unit does not see its own portrait: the peer medians on it are computed from
other units' problems that the unit may not see; the commission sends the Word report to the unit when it wants to.
"""
from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, User

from .actors import profile_of


def health_units(user: User) -> QuerySet[Organisation]:
    """The responsible units whose 体检报告 `user` may open (none for a unit or partner user)."""
    profile = profile_of(user)
    if not profile.sees_internal:
        return Organisation.objects.none()
    scope = Q(pk__in=profile.group_unit_ids)
    for path in profile.jurisdiction_paths:
        scope |= Q(region__path__startswith=path)
    return Organisation.objects.filter(scope, kind=OrgKind.UNIT, is_active=True).order_by("sort_order", "pk")


def access_health_unit(user: User, pk: int | str) -> Organisation:
    """A unit whose 体检报告 `user` may open, else NotFound (the same answer as for a unit that does not exist)."""
    try:
        return health_units(user).select_related("region").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
