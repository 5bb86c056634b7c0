"""Writes to the organisation tree. Reference data is maintained in the admin, which calls these."""
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError

from .choices import ROLE_ORG_KINDS, OrgKind, Role
from .models import Membership, Organisation, Region, User


@transaction.atomic
def region_save(*, region: Region) -> Region:
    """Save a region and keep the materialised paths of it and its subtree right."""
    old_path = Region.objects.filter(pk=region.pk).values_list("path", flat=True).first() if region.pk else None
    region.path = region.compute_path()
    region.level = region.path.count("/") - 1
    region.save()
    if old_path and old_path != region.path:
        # Records keep a copy of their region's path for fast jurisdiction filters; move them with the region.
        for model in _region_path_copies():
            model._default_manager.filter(region=region).update(region_path=region.path)
        for child in Region.objects.filter(parent=region):
            region_save(region=child)
    return region


def _region_path_copies() -> list:
    """Models of any app that keep `region_path`, a copy of the path of their `region` (found, not imported: orgs
    sits below the domain apps)."""
    result = []
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        if "region_path" in fields and getattr(fields.get("region"), "related_model", None) is Region:
            result.append(model)
    return result


def membership_check(*, organisation: Organisation, role: str) -> None:
    """Refuse a role the organisation cannot hold (e.g. a unit handler in a commission) or an inactive organisation."""
    if not organisation.is_active:
        raise ServiceError(f"“{organisation}”已停用，不能新增任职角色。", field="organisation")
    kinds: set[OrgKind] = ROLE_ORG_KINDS.get(Role(role), set()) if role in Role.values else set()
    if organisation.kind not in kinds:
        allowed = "、".join(OrgKind(k).label for k in sorted(kinds)) or "任何单位"
        raise ServiceError(f"“{Role(role).label}”只能在{allowed}任职，“{organisation}”是"
                           f"{organisation.get_kind_display()}。", field="role")


def _check_site_admin(actor: User | None) -> None:
    # Memberships decide what everyone may see: only a site administrator changes them.
    if actor is None or not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以调整人员的任职角色。")


def _record(actor: User, membership: Membership, action: str) -> None:
    record_event(object_type="orgs.membership", object_id=membership.pk, action=action, actor=actor,
                 payload={"user": membership.user.username, "unit": str(membership.organisation),
                          "label": membership.get_role_display()})


@transaction.atomic
def membership_add(*, actor: User, user: User, organisation: Organisation, role: str) -> Membership:
    """Give `user` a role in `organisation` (or restore the same role ended earlier); site administrators only."""
    _check_site_admin(actor)
    membership_check(organisation=organisation, role=role)
    membership = Membership.objects.select_for_update().filter(user=user, organisation=organisation,
                                                               role=role).first()
    if membership is not None and membership.is_active:
        raise ServiceError(f"{user}已在“{organisation}”担任{membership.get_role_display()}。", field="role")
    if membership is None:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    else:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    _record(actor, membership, "add")
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> Membership:
    """End a role (the record stays, inactive, so past events still name who held it); site administrators only."""
    _check_site_admin(actor)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise ServiceError(f"{membership}已经结束。")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _record(actor, membership, "end")
    return membership


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
