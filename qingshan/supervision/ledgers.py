"""监督清单 and 整改清单 as ledgers, over the supervision app's selectors and audit events.

An entry of the 监督清单 is one report slot (监督事项 × 承办监督主体 × 期次): it is opened (建账) when the slot is
generated, checked (查账) by each submission, return, urge and escalation, and closed (销账) by the approval. So an
assignee's ledger holds only its own entries, exactly as `report_slot_list` scopes them. The 整改清单 lives here too:
its entries are this app's rectifications. The ledgers app finds both through the plug-in registry (`LEDGERS`).
"""
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from qingshan.core.ledgers import LedgerSpec
from qingshan.core.tables import Column
from qingshan.orgs.choices import OrgKind

from .choices import (
    CLOSED_RECTIFICATION,
    Action,
    EscalationLevel,
    RectificationStatus,
    SlotState,
)
from .selectors import rectification_list, report_slot_list

YES_NO = {True: "是", False: "否"}


def _slot_rows(*, user):
    """监督清单 rows: the report slots `user` may see (the supervision app's selector)."""
    return report_slot_list(user=user)


def _rectification_rows(*, user):
    """整改清单 rows: the rectification entries `user` may see (the supervision app's selector)."""
    return rectification_list(user=user)


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


SUPERVISION = LedgerSpec(
    code="supervision", label="监督清单", number=1, rows=_slot_rows,
    columns=(
        Column("item__title", "监督事项", width=36),
        Column("org__name", "承办监督主体", width=20),
        Column("label", "期次", width=10),
        Column("period_start", "期间起", "date", width=12),
        Column("period_end", "期间止", "date", width=12),
        Column("due_date", "报送期限", "date", width=12),
        Column("state", "状态", "choice", choices=dict(SlotState.choices), width=10,
               colours={s.value: SlotState.colour_of(s.value) for s in SlotState}),
        Column("on_time", "按时报送", "choice", choices=YES_NO, width=9),
        Column("escalation_level", "督办等级", "choice", choices=dict(EscalationLevel.choices), width=10),
    ),
    events=lambda ref: Q(object_type="supervision.slot", object_id=ref),
    open_q=Q(action=Action.GENERATE),
    close_q=Q(action=Action.APPROVE),
    action_labels={**dict(Action.choices), Action.GENERATE: "生成报送期次（建账）"},
    state_labels=dict(SlotState.choices),
    closed_q=Q(state=SlotState.APPROVED),
    period_field="period_start", unit_field="org", unit_label="承办监督主体",
    unit_kinds=(OrgKind.STATIONED_GROUP, OrgKind.COMMISSION),
    state_field="state", ordering=("-period_start", "-id"),
    detail_url=lambda pk: _url("supervision:slot", pk),
)

RECTIFICATIONS = LedgerSpec(
    code="rectifications", label="整改清单", number=3, rows=_rectification_rows,
    columns=(
        Column("title", "整改事项", width=32),
        Column("item__title", "监督事项", width=30),
        Column("slot__org__name", "跟踪监督主体", width=20),
        Column("responsible_unit__name", "责任单位", width=18),
        Column("deadline", "整改期限", "date", width=12),
        Column("status", "状态", "choice", choices=dict(RectificationStatus.choices), width=10,
               colours={s.value: RectificationStatus.colour_of(s.value) for s in RectificationStatus}),
        Column("closed_on", "销号日期", "date", width=12),
    ),
    events=lambda ref: Q(object_type="supervision.rectification", object_id=ref),
    open_q=Q(action=Action.CREATE),
    close_q=Q(action=Action.CLOSE),
    action_labels=dict(Action.choices), state_labels=dict(RectificationStatus.choices),
    closed_q=Q(status__in=CLOSED_RECTIFICATION),
    period_field="created_at__date", opened_field="created_at",
    unit_field="responsible_unit", unit_label="责任单位",
    state_field="status", ordering=("-created_at", "-id"),
)

LEDGERS = [SUPERVISION, RECTIFICATIONS]
