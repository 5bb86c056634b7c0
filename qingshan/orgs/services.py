"""Writes to the organisation tree. Reference data is maintained in the admin, which calls these."""
from django.apps import apps
from django.db import transaction

from .models import Region


@transaction.atomic
def region_save(*, region: Region) -> Region:
    """Save a region and keep the materialised paths of it and its subtree right."""
    old_path = Region.objects.filter(pk=region.pk).values_list("path", flat=True).first() if region.pk else None
    region.path = region.compute_path()
    region.level = region.path.count("/") - 1
    region.save()
    if old_path and old_path != region.path:
        # Records keep a copy of their region's path for fast jurisdiction filters; move them with the region.
        Problem = apps.get_model("problems", "Problem")
        Problem.objects.filter(region=region).update(region_path=region.path)
        for child in Region.objects.filter(parent=region):
            region_save(region=child)
    return region
