"""Sharing a data set with another organisation, and revoking it (issue 9): the owning commission decides, each
share and each revocation is an audit event in the same transaction as the change."""
from django.db import transaction
from django.utils import timezone

from qingshan.access.datasets import may_share_dataset, may_share_with
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError, stated_reason
from qingshan.orgs.models import Organisation, User

from .choices import Action
from .models import Dataset, DatasetShare
from .services import DATASET, _actor_org


def _require_owner(actor: User, dataset: Dataset) -> None:
    if not may_share_dataset(actor, dataset):
        raise PermissionRefused("只有数据集所属纪委监委的监督人员可以管理共享。")


def _audit(dataset: Dataset, *, actor: User, action: str, org: Organisation, reason: str) -> None:
    record_event(object_type=DATASET, object_id=dataset.pk, action=action, actor=actor, actor_org=_actor_org(actor),
                 reason=reason, internal=True, payload={"code": dataset.code, "org": org.pk, "org_name": org.name})


def dataset_share(*, actor: User, dataset: Dataset, org: Organisation | None, reason: str) -> DatasetShare:
    """Share `dataset` with `org` (a commission, office or stationed group), with a reason; audited."""
    _require_owner(actor, dataset)
    if org is None:
        raise ServiceError("请选择共享给哪个单位。", field="org")
    if not may_share_with(org):
        raise ServiceError("数据集只能共享给纪检监察机关、内设部室或派驻纪检监察组。", field="org")
    if org.pk == dataset.owner_org_id:
        raise ServiceError("不能共享给数据集的所属机关本身。", field="org")
    reason = stated_reason(reason, missing="请填写共享事由。", what="共享事由")
    with transaction.atomic():
        if DatasetShare.objects.select_for_update().filter(dataset=dataset, org=org).exists():
            raise ServiceError(f"数据集已共享给“{org.name}”。", field="org")
        share = DatasetShare.objects.create(dataset=dataset, org=org, shared_by=actor, shared_at=timezone.now(),
                                            reason=reason)
        _audit(dataset, actor=actor, action=Action.SHARE, org=org, reason=reason)
    return share


def dataset_unshare(*, actor: User, dataset: Dataset, share_id: int | str) -> None:
    """Revoke one share of `dataset`: the organisation no longer sees the data set (nor models over it); audited."""
    _require_owner(actor, dataset)
    with transaction.atomic():
        share = DatasetShare.objects.select_for_update().select_related("org").filter(
            dataset=dataset, pk=share_id).first() if str(share_id).isdigit() else None
        if share is None:
            raise ServiceError("该共享不存在或已撤销。")
        org = share.org
        share.delete()
        _audit(dataset, actor=actor, action=Action.UNSHARE, org=org, reason=f"撤销共享：{org.name}")
