"""Grouping expressions shared by the live KPI reads and the snapshots."""
from django.db.models import Value
from django.db.models.functions import StrIndex, Substr


def district_path() -> Substr:
    """The region_path cut after its second segment: the district's path, or the city's own for city-level rows.

    Works at any depth and any code length: "/3399/339901/33990101/" → "/3399/339901/", "/3399/" → "/3399/".
    """
    # Position (within the remainder after the leading "/") of the slash that ends the city segment.
    end_city = StrIndex(Substr("region_path", 2), Value("/"))
    # Position, within what follows the city segment, of the slash ending the district segment; 0 when none.
    end_district = StrIndex(Substr("region_path", end_city + 2), Value("/"))
    return Substr("region_path", 1, end_city + 1 + end_district)
