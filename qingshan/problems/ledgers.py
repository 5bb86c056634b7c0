"""问题清单 as a ledger (domain §3), over the problems app's selector and audit events; found by the ledgers app
through the plug-in registry (`LEDGERS`)."""
from django.db.models import Q
from django.urls import reverse

from qingshan.access.clues import blocked_transfer_events_q
from qingshan.core.ledgers import LedgerSpec
from qingshan.core.tables import Column

from .choices import TERMINAL_STATES, Action, State
from .selectors import problem_list

PROBLEM_OBJECT = "problems.problem"


def _problem_rows(*, user):
    """问题清单 rows: exactly the problems the user may see (the problems app's selector)."""
    queryset, _ = problem_list(user=user)
    return queryset


def _problem_events(ref) -> Q:
    return Q(object_type=PROBLEM_OBJECT, object_id=ref)


PROBLEMS = LedgerSpec(
    code="problems", label="问题清单", number=2, rows=_problem_rows,
    columns=(
        Column("number", "编号", width=16),
        Column("title", "标题", width=36),
        Column("source__name", "来源", width=12),
        Column("category__name", "类别", width=10),
        Column("region__name", "所在区划", width=10),
        Column("lead_unit__name", "主办单位", width=18),
        Column("state", "状态", "choice", choices=dict(State.choices), width=10,
               colours={s.value: State.colour_of(s.value) for s in State}),
        Column("received_on", "受理日期", "date", width=12),
        Column("handle_deadline", "办理期限", "date", width=12),
    ),
    events=_problem_events,
    open_q=Q(action=Action.CREATE),
    # A merge closes the duplicate only; the primary gets a merge event too and stays open.
    close_q=Q(action__in=[Action.APPROVE, Action.APPROVE_STAGE]) | Q(action=Action.MERGE, to_state=State.MERGED),
    ignore_q=Q(action__in=[Action.REVEAL_REPORTER, Action.DOWNLOAD, Action.ATTACH, Action.COMMENT]),
    action_labels=dict(Action.choices), state_labels=dict(State.choices),
    closed_q=Q(state__in=TERMINAL_STATES),
    period_field="received_on", opened_field="received_at",
    unit_field="lead_unit", unit_label="主办单位",
    state_field="state", ordering=("-received_at", "-id"),
    detail_url=lambda pk: reverse("problems:detail", args=[pk]),
    # A 移送 to a clue the reader is hard-blocked from is neither shown nor counted (access/clues.py).
    hidden_events=blocked_transfer_events_q,
)

LEDGERS = [PROBLEMS]
