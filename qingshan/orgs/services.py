"""Writes to the organisation tree. Reference data is maintained in the admin, which calls these."""
from .models import Region


def region_save(*, region: Region) -> Region:
    """Save a region and keep the materialised paths of it and its subtree right."""
    old_path = Region.objects.filter(pk=region.pk).values_list("path", flat=True).first() if region.pk else None
    region.path = region.compute_path()
    region.level = region.path.count("/") - 1
    region.save()
    if old_path and old_path != region.path:
        for child in Region.objects.filter(parent=region):
            region_save(region=child)
    return region
