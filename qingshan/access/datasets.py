"""Who may see and change data sets (domain §9): the commission's supervising side and read-only leaders look;
only supervisor roles define data sets and import; units and partners do not see data sets at all."""
from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound, PermissionRefused
from qingshan.datasets.models import Dataset, ImportBatch
from qingshan.orgs.choices import LEADER_ROLES, READONLY_ROLES, SUPERVISOR_ROLES
from qingshan.orgs.models import User, commission_of

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


def _owner_q(user: User, prefix: str = "") -> Q:
    # A district commission sees its district's data sets, never the city's (jurisdiction, domain §2); a data set
    # defined without an owner organisation stays visible to every viewer, as before.
    scope = Q(**{f"{prefix}owner_org__isnull": True})
    for path in _commission_paths(user):
        scope |= Q(**{f"{prefix}owner_org__region__path__startswith": path})
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


def require_manager(user: User, what: str = "导入数据") -> None:
    """Refuse unless `user` has a supervisor role."""
    if not may_manage_datasets(user):
        raise PermissionRefused(f"只有纪检监察机构的监督人员可以{what}。")
