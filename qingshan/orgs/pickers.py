"""The pickers of organisations and people every app's forms use: searchable, grouped by region or kind."""
from typing import Any

from django.db.models import Prefetch, QuerySet

from qingshan.core.forms import PickerChoiceField, PickerMultipleChoiceField

from .choices import OrgKind
from .models import Membership, Organisation, User

CITY_LEVEL = "市级"


def by_region(org: Organisation) -> str:
    """Units under their district's name; the city's own under 市级 (a city has one level above its districts)."""
    return org.region.name if org.region.level > 1 else CITY_LEVEL


def by_kind(org: Organisation) -> str:
    return OrgKind(org.kind).label


def by_organisation(user: User) -> str:
    """A person under the organisation of their first membership."""
    memberships = list(user.memberships.all())
    return memberships[0].organisation.name if memberships else "其他人员"


def units() -> QuerySet[Organisation]:
    """Active responsible units, the city's first, then district by district."""
    return Organisation.objects.filter(kind=OrgKind.UNIT, is_active=True).select_related("region").order_by(
        "region__path", "sort_order", "id")


def people() -> QuerySet[User]:
    """Active people by name, with their memberships (the picker groups them by organisation)."""
    return User.objects.filter(is_active=True).prefetch_related(Prefetch(
        "memberships", queryset=Membership.objects.select_related("organisation").order_by("id"))).order_by(
        "full_name", "id")


def unit_field(**kwargs: Any) -> PickerChoiceField:
    return PickerChoiceField(queryset=units(), group_by=by_region, **kwargs)


def units_field(**kwargs: Any) -> PickerMultipleChoiceField:
    return PickerMultipleChoiceField(queryset=units(), group_by=by_region, **kwargs)


def people_field(**kwargs: Any) -> PickerMultipleChoiceField:
    return PickerMultipleChoiceField(queryset=people(), group_by=by_organisation, **kwargs)


def orgs_field(queryset: QuerySet[Organisation], **kwargs: Any) -> PickerMultipleChoiceField:
    """Several organisations of mixed kinds (stationed groups, commissions), grouped by kind."""
    return PickerMultipleChoiceField(queryset=queryset, group_by=by_kind, **kwargs)


def unit_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The units as (group, [(id, name)]) for hand-written selects (the report form's rows)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for org in units():
        groups.setdefault(by_region(org), []).append((org.pk, org.name))
    return list(groups.items())
