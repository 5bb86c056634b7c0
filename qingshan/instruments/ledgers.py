"""文书台账 (the instruments register) as a ledger with Excel export, found by the ledgers app through the plug-in
registry (`LEDGERS`): rows are the instruments the reader may see; 建账 is the issuing, 销账 the closing."""
from django.db.models import Q
from django.urls import reverse

from qingshan.core.ledgers import LedgerSpec
from qingshan.core.tables import Column

from .choices import Action, Kind, State
from .selectors import instrument_list

OBJECT = "instruments.instrument"


def _rows(*, user):
    return instrument_list(user=user).filter(issued_at__isnull=False)


INSTRUMENTS = LedgerSpec(
    code="instruments", label="文书台账", number=7, rows=_rows,
    columns=(
        Column("number", "发文字号", width=20),
        Column("kind", "文书类型", "choice", choices=dict(Kind.choices), width=14),
        Column("title", "标题", width=36),
        Column("recipient__name", "主送单位", width=18),
        Column("state", "状态", "choice", choices=dict(State.choices), width=14,
               colours={s.value: State.colour_of(s.value) for s in State}),
        Column("issued_on", "成文日期", "date", width=12),
        Column("reply_deadline", "回复期限", "date", width=12),
        Column("rectify_deadline", "整改期限", "date", width=12),
    ),
    events=lambda ref: Q(object_type=OBJECT, object_id=ref),
    open_q=Q(action=Action.ISSUE),
    close_q=Q(action__in=[Action.CLOSE, Action.VOID]),
    ignore_q=Q(action__in=[Action.CREATE, Action.NOTE, Action.DOWNLOAD, Action.GENERATE]),
    action_labels=dict(Action.choices), state_labels=dict(State.choices),
    closed_q=Q(state__in=[State.CLOSED, State.VOIDED]),
    period_field="issued_on", unit_field="recipient", unit_label="主送单位",
    state_field="state", ordering=("-issued_on", "-id"),
    detail_url=lambda pk: reverse("instruments:detail", args=[pk]),
)

LEDGERS = [INSTRUMENTS]
