"""Personal identifiers (身份证号, phone numbers) in what hits show: masked from the data sets' schemas (a column
marked `personal`), unless revealed with a reason (`hit_reveal_identifiers` below, audited).

Display only: a hit keeps its values; pages and the API read the masked copies set here (`shown_key`,
`shown_label`, `shown_evidence`). A column is personal if any data set marks it so (a name shared with another data
set's column errs on the side of masking): one query per page whatever the number of hits.
"""
from collections.abc import Iterable

from django.db import transaction

from qingshan.access.crypto import mask_identifier
from qingshan.access.datacheck import acting_org
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, stated_reason
from qingshan.datasets.selectors import personal_columns
from qingshan.orgs.models import User

from .choices import Action
from .models import CheckModel, Hit


def _mask_row(row: dict, personal: set[str]) -> dict:
    # Evidence columns of a join are named "<data set>.<column>" or by the column alone.
    return {k: mask_identifier(v) if str(k).rsplit(".", 1)[-1] in personal else v for k, v in row.items()}


def mask_subject(model: CheckModel, personal: set[str], key: str, label: str) -> tuple[str, str]:
    """A subject's key and label as shown: masked when the model names its subjects by a personal column."""
    key_personal = bool(set(model.subject_columns) & personal)
    label_personal = model.subject_label_column in personal or (key_personal and label == key)
    return (str(mask_identifier(key)) if key_personal else key,
            str(mask_identifier(label)) if label_personal else label)


def mask_hits(hits: Iterable[Hit], *, evidence: bool = False) -> list[Hit]:
    """Set each hit's shown (masked) subject, and its evidence when asked; returns the hits as a list."""
    hits = list(hits)
    cols = personal_columns() if hits else set()
    for hit in hits:
        hit.shown_key, hit.shown_label = mask_subject(hit.model, cols, hit.subject_key,  # type: ignore[attr-defined]
                                                      hit.subject_label)
        if evidence:
            hit.shown_evidence = [_mask_row(row, cols) for row in hit.evidence]  # type: ignore[attr-defined]
    return hits


def mask_preview(model: CheckModel, preview: list[dict]) -> list[dict]:
    """A dry run's preview subjects (key, label, evidence rows) with personal identifiers masked."""
    cols = personal_columns()
    if not cols or not preview:
        return preview
    shown = []
    for subject in preview:
        key, label = mask_subject(model, cols, str(subject.get("key", "")), str(subject.get("label", "")))
        shown.append({**subject, "key": key, "label": label,
                      "evidence": [_mask_row(row, cols) for row in subject.get("evidence") or []]})
    return shown


def hit_reveal_identifiers(*, actor: User, hit: Hit, reason: str) -> Hit:
    """Show a hit's personal identifiers in full to someone who may judge it, once, for a stated reason; the reveal
    is an audit event (who, when, why), as for a reporter's contact details."""
    reason = stated_reason(reason, missing="查看个人信息明文须填写事由。", what="查看事由")
    org = acting_org(actor, hit.model)
    if org is None:
        raise PermissionRefused("只有本级纪检监察机关的监督人员可以查看个人信息明文。")
    with transaction.atomic():
        record_event(object_type="datacheck.hit", object_id=hit.pk, action=Action.REVEAL, actor=actor,
                     actor_org=org, reason=reason, internal=True, from_state=hit.state, to_state=hit.state)
    hit.shown_key, hit.shown_label = hit.subject_key, hit.subject_label  # type: ignore[attr-defined]
    hit.shown_evidence = list(hit.evidence)  # type: ignore[attr-defined]
    return hit
