"""Showing a data set's personal identifiers (身份证号, phone numbers) in full: only to its supervisors, for a stated
reason, each reveal an audit event in the same transaction (as for a reporter's contact details)."""
from django.db import transaction

from qingshan.access.datasets import access_dataset, require_manager
from qingshan.audit.services import record_event
from qingshan.core.errors import stated_reason
from qingshan.orgs.models import User

from .choices import Action
from .models import Dataset
from .services import DATASET, _actor_org


def dataset_reveal(*, actor: User, dataset: Dataset, reason: str) -> None:
    """Record that `actor` views the data set's personal identifiers in full, and why; refuse without a reason."""
    access_dataset(actor, dataset.code)
    require_manager(actor, "查看个人信息明文")
    reason = stated_reason(reason, missing="查看个人信息明文须填写事由。", what="查看事由")
    with transaction.atomic():
        record_event(object_type=DATASET, object_id=dataset.pk, action=Action.REVEAL, actor=actor,
                     actor_org=_actor_org(actor), reason=reason, internal=True,
                     payload={"code": dataset.code, "columns": dataset.personal_columns})
