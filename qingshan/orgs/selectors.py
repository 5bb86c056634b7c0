"""Reads of organisations and people for forms and filters (reference data: visible to every signed-in user)."""
from django.db.models import QuerySet

from .choices import OrgKind
from .models import Organisation, Region


def unit_list() -> QuerySet[Organisation]:
    """Active responsible units, for dispatch forms and filters."""
    return Organisation.objects.filter(kind=OrgKind.UNIT, is_active=True).select_related("region")


def region_list() -> QuerySet[Region]:
    """All regions in tree order."""
    return Region.objects.all()
