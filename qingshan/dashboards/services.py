"""Changes owned by the dashboards app: a region's boundary for the overview map, checked and audited."""
from django.core.exceptions import ValidationError
from django.db import transaction

from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused
from qingshan.orgs.models import Region, User

from .geojson import parse_boundary
from .models import RegionBoundary


def boundary_save(*, actor: User, region: Region, text: str | bytes) -> RegionBoundary:
    """Store `region`'s boundary from an uploaded GeoJSON text (replacing any earlier one).

    Only a platform administrator may; bad GeoJSON raises ValidationError
    and changes nothing. One audit event records the change in the same transaction.
    """
    if not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以上传区划边界。")
    geometry = parse_boundary(text)
    if region.parent_id is None:
        raise ValidationError("只能为区县或乡镇街道上传边界，不能为全市上传。")
    with transaction.atomic():
        boundary, created = RegionBoundary.objects.update_or_create(region=region, defaults={"geometry": geometry})
        record_event(object_type="dashboards.region_boundary", object_id=boundary.pk, actor=actor,
                     action="create" if created else "update",
                     payload={"region": region.code, "type": geometry["type"]})
    return boundary
