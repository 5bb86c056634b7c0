"""Who may see and change data sets (domain §9): the commission's supervising side and read-only leaders look;
only supervisor roles define data sets and import; units and partners do not see data sets at all.

A data set belongs to a commission (`owner_org`): that commission's jurisdiction sees it (the commission, its offices
and stationed groups, and a higher commission whose region covers it); any other organisation only once the owner
has shared it with that organisation (or with the commission it works for), until the share is revoked."""
from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound, PermissionRefused
from qingshan.datasets.models import Dataset, DatasetShare, ImportBatch
from qingshan.orgs.choices import LEADER_ROLES, READONLY_ROLES, SUPERVISOR_ROLES, OrgKind, Role
from qingshan.orgs.models import Organisation, User, commission_of

from .actors import profile_of

VIEWER_ROLES = SUPERVISOR_ROLES | LEADER_ROLES | READONLY_ROLES


def may_view_datasets(user: User) -> bool:
    """Whether `user` may see data sets, their rows and their import batches."""
    return bool(profile_of(user).roles & VIEWER_ROLES)


def may_manage_datasets(user: User) -> bool:
    """Whether `user` may define data sets and import into them (a supervisor role)."""
    return bool(profile_of(user).roles & SUPERVISOR_ROLES)


def _commission_paths(user: User) -> set[str]:
    """Region paths of the commissions `user` looks in the name of: a commission or its office, or the commission a
    stationed group belongs to (a group works for the commission that sent it)."""
    paths = set()
    for m in profile_of(user).memberships:
        if m.role not in VIEWER_ROLES:
            continue
        commission = commission_of(m.organisation, through_stationed_group=True)
        if commission is not None:
            paths.add(commission.region.path)
    return paths


def _share_org_ids(user: User) -> set[int]:
    """Organisations a share to reaches `user` through: each one the user looks in, and the commission it works for
    (a share to a district commission reaches its offices and stationed groups)."""
    ids = set()
    for m in profile_of(user).memberships:
        if m.role not in VIEWER_ROLES:
            continue
        ids.add(m.organisation_id)
        commission = commission_of(m.organisation, through_stationed_group=True)
        if commission is not None:
            ids.add(commission.pk)
    return ids


def _owner_q(user: User, prefix: str = "") -> Q:
    # A district commission sees its district's data sets, never the city's (jurisdiction, domain §2), unless the
    # city shared one with it. A data set without an owner is seen by nobody (fail closed).
    scope = Q(pk__in=[])
    for path in _commission_paths(user):
        scope |= Q(**{f"{prefix}owner_org__region__path__startswith": path})
    shared = _share_org_ids(user)
    if shared:
        scope |= Q(**{f"{prefix}pk__in": DatasetShare.objects.filter(org_id__in=shared).values("dataset_id")})
    return scope


def visible_datasets(user: User) -> QuerySet:
    """The data sets of the user's commissions' jurisdiction (none for units, partners and people without a role)."""
    if not may_view_datasets(user):
        return Dataset.objects.none()
    return Dataset.objects.filter(_owner_q(user))


def visible_batches(user: User) -> QuerySet:
    """The import batches of the data sets `user` may see."""
    if not may_view_datasets(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(_owner_q(user, "dataset__"))


def access_dataset(user: User, code: str) -> Dataset:
    """The data set `code` if `user` may see it; otherwise NotFound (the same answer as for a missing code)."""
    dataset = visible_datasets(user).select_related("owner_org").filter(code=code).first()
    if dataset is None:
        raise NotFound
    return dataset


def access_batch(user: User, pk: int | str) -> ImportBatch:
    """The import batch `pk` if `user` may see it; otherwise NotFound."""
    try:
        return visible_batches(user).select_related("dataset", "created_by").get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def may_share_dataset(user: User, dataset: Dataset) -> bool:
    """Whether `user` manages the sharing of `dataset`: a supervisor of its owning commission (or of an office)."""
    if dataset.owner_org_id is None:
        return False
    return any(m.role in SUPERVISOR_ROLES and (commission := commission_of(m.organisation)) is not None
               and commission.pk == dataset.owner_org_id for m in profile_of(user).memberships)


def may_share_with(org: Organisation) -> bool:
    """Whether a data set may be shared with `org`: a commission, an office or a stationed group (never a unit or
    a partner, who do not see data sets at all)."""
    return org.is_active and org.kind in (OrgKind.COMMISSION, OrgKind.OFFICE, OrgKind.STATIONED_GROUP)


def require_manager(user: User, what: str = "导入数据") -> None:
    """Refuse unless `user` has a supervisor role."""
    if not may_manage_datasets(user):
        raise PermissionRefused(f"只有纪检监察机构的监督人员可以{what}。")


# 案件监督管理室 keeps the evidence; the commission's leaders answer for it (issue 16: verifying the seals).
VERIFIER_ROLES = frozenset({Role.ANGUAN_STAFF, Role.COMMISSION_LEADER})


def may_verify_datasets(user: User) -> bool:
    """Whether `user` may re-hash the stored data sets against their seals (案管 staff, commission leaders)."""
    return bool(user.is_superuser or profile_of(user).roles & VERIFIER_ROLES)


def require_verifier(user: User) -> None:
    if not may_verify_datasets(user):
        raise PermissionRefused("只有案件监督管理室工作人员和委领导可以校验数据集封存。")
