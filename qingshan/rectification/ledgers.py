"""督察整改清单 as a ledger (domain §3, §6): the campaign items over the app's selector and audit events, visible to
the responsible unit for its own items; found by the ledgers app through the plug-in registry (`LEDGERS`)."""
from django.db.models import Q
from django.urls import reverse

from qingshan.core.ledgers import LedgerSpec
from qingshan.core.tables import Column

from .choices import Action, Horizon, Progress, State, WarningColour
from .selectors import item_list

ITEM_OBJECT = "rectification.item"


def _rows(*, user):
    """The items the user may see (the app's selector): a unit its own, never another's."""
    return item_list(user=user)


def _events(ref) -> Q:
    return Q(object_type=ITEM_OBJECT, object_id=ref)


ITEMS = LedgerSpec(
    code="rectification_items", label="督察整改清单", number=12, rows=_rows,
    columns=(
        Column("number", "编号", width=14),
        Column("title", "整改事项", width=36),
        Column("campaign__name", "整改工作", width=24),
        Column("lead_unit__name", "牵头责任单位", width=18),
        Column("supervising_org__name", "督导单位", width=18),
        Column("horizon", "整改时限类型", "choice", choices=dict(Horizon.choices), width=14),
        Column("deadline", "整改期限", "date", width=12),
        Column("state", "状态", "choice", choices=dict(State.choices), width=10,
               colours={s.value: State.colour_of(s.value) for s in State}),
        Column("progress", "整改进度", "choice", choices=dict(Progress.choices), width=10,
               colours={p.value: Progress.colour_of(p.value) for p in Progress}),
        Column("warning", "预警", "choice", choices=dict(WarningColour.choices), width=8,
               colours={w.value: WarningColour.colour_of(w.value) for w in WarningColour}),
        Column("closed_at", "销号时间", "datetime", width=16),
    ),
    events=_events,
    open_q=Q(action__in=[Action.CREATE, Action.IMPORT]),
    close_q=Q(action=Action.CLOSE),
    ignore_q=Q(action__in=[Action.DOWNLOAD, Action.WARNING, Action.REVIEW_NOTE]),
    action_labels=dict(Action.choices), state_labels=dict(State.choices),
    closed_q=Q(state=State.CLOSED),
    period_field="deadline", opened_field="created_at",
    unit_field="lead_unit", unit_label="牵头责任单位",
    state_field="state", ordering=("deadline", "id"),
    detail_url=lambda pk: reverse("rectification:detail", args=[pk]),
)

LEDGERS = [ITEMS]
