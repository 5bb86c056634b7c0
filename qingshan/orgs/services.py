"""Writes to the organisation tree. Reference data is maintained in the admin, which calls these."""
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.audit.services import record_event

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


@transaction.atomic
def login_lockout_record(*, username: str, ip_address: str | None) -> bool:
    """Audit that a login was locked out (django-axes); once per (account, address) per cool-off period."""
    username = (username or "")[:150]
    user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first() or 0
    payload = {"username": username, "ip_address": ip_address or ""}
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AuditEvent.objects.filter(object_type="orgs.user", object_id=user_id, action="login_locked_out",
                                       created_at__gte=since).values_list("payload", flat=True)
    if payload in list(recent):
        return False
    record_event(object_type="orgs.user", object_id=user_id, action="login_locked_out", payload=payload,
                 reason=f"连续 {settings.AXES_FAILURE_LIMIT} 次登录失败，账号或地址已被暂时锁定", internal=True)
    return True
