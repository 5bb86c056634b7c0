"""Every read of the ledgers. Rows come only from each ledger's domain selector (already scoped by access)."""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Func, OuterRef, Q, QuerySet, Subquery

from qingshan.access.problems import may_see_internal
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import NotFound
from qingshan.orgs.models import User

from .forms import LedgerFilterForm
from .specs import LedgerSpec, all_columns


@dataclass
class LedgerQuery:
    """A ledger's filtered rows for one user, before the chain columns are added."""

    spec: LedgerSpec
    form: LedgerFilterForm
    queryset: QuerySet  # the rows after every filter
    base: QuerySet  # the rows after every filter but 销账情况 (for the open/closed counts)
    sees_internal: bool
    hidden: Q  # events of the rows this reader may not see (LedgerSpec.hidden_events)


def _hidden(spec: LedgerSpec, user: User) -> Q:
    return spec.hidden_events(user) if spec.hidden_events is not None else Q(pk__in=[])


def ledger_query(*, user: User, spec: LedgerSpec, params: Mapping[str, Any] | None = None) -> LedgerQuery:
    """The rows of `spec` that `user` may see, filtered by `params`; invalid filters give no rows."""
    form = LedgerFilterForm({k: v for k, v in (params or {}).items() if v not in ("", None)}, spec=spec)
    rows = spec.rows(user=user)
    if not form.is_valid():
        none = rows.none()
        return LedgerQuery(spec, form, none, none, may_see_internal(user), _hidden(spec, user))
    data = form.cleaned_data
    if data.get("period_from"):
        rows = rows.filter(**{f"{spec.period_field}__gte": data["period_from"]})
    if data.get("period_to"):
        rows = rows.filter(**{f"{spec.period_field}__lte": data["period_to"]})
    if data.get("unit"):
        rows = rows.filter(**{spec.unit_field: data["unit"]})
    if data.get("state"):
        rows = rows.filter(**{spec.state_field: data["state"]})
    status = data.get("status")
    filtered = rows.filter(spec.closed_q) if status == "closed" else (
        rows.exclude(spec.closed_q) if status == "open" else rows)
    return LedgerQuery(spec, form, filtered.order_by(*spec.ordering), rows, may_see_internal(user),
                       _hidden(spec, user))


def ledger_counts(query: LedgerQuery) -> dict[str, int]:
    """How many filtered entries are open and closed, in one query."""
    counts = query.base.order_by().aggregate(
        open=Count("pk", filter=~query.spec.closed_q), closed=Count("pk", filter=query.spec.closed_q))
    return {"open": counts["open"] or 0, "closed": counts["closed"] or 0}


def _entry_events(spec: LedgerSpec, ref: int | str | OuterRef, sees_internal: bool,
                  hidden: Q) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(spec.events(ref)).exclude(hidden)
    return events if sees_internal else events.filter(internal=False)


def with_chain(queryset: QuerySet, spec: LedgerSpec, *, sees_internal: bool, hidden: Q) -> QuerySet:
    """Annotate each row with its 建账 date, 查账 count and last 查账, and 销账 date, from the audit log.

    Correlated subqueries on the audit index (object_type, object_id, seq): the query count stays one however many
    rows there are, and the page and the export read the very same figures.
    """
    events = _entry_events(spec, OuterRef("pk"), sees_internal, hidden).order_by()
    checks = events.filter(spec.check_q())
    opened = (F(spec.opened_field) if spec.opened_field
              else Subquery(events.filter(spec.open_q).order_by("seq").values("created_at")[:1]))
    return queryset.annotate(
        ledger_opened=opened,
        ledger_checks=Subquery(checks.annotate(n=Func(F("pk"), function="COUNT")).values("n")),
        ledger_last_check_at=Subquery(checks.order_by("-seq").values("created_at")[:1]),
        ledger_last_check=Subquery(checks.order_by("-seq").values("action")[:1]),
        ledger_closed=Subquery(events.filter(spec.close_q).order_by("seq").values("created_at")[:1]),
    )


def ledger_values(query: LedgerQuery) -> QuerySet:
    """The rows as tuples: the entry's pk, then one value per column of `all_columns(spec)`."""
    columns = all_columns(query.spec)
    annotated = with_chain(query.queryset, query.spec, sees_internal=query.sees_internal, hidden=query.hidden)
    return annotated.values_list("pk", *(c.key for c in columns))


@dataclass
class ChainEvent:
    """One event of an entry's chain, as the entry page shows it."""

    event: AuditEvent
    kind: str  # 建账 / 查账 / 销账 / "" (a read or a note: shown, not counted)
    action_label: str
    from_state_label: str
    to_state_label: str


def ledger_entry(*, user: User, spec: LedgerSpec, pk: int | str) -> tuple:
    """One entry's row (pk first, then one value per column), or NotFound when `user` may not see it."""
    query = ledger_query(user=user, spec=spec)
    try:
        row = ledger_values(query).filter(pk=pk).first()
    except (ValueError, TypeError) as exc:
        raise NotFound from exc
    if row is None:
        raise NotFound
    return row


def ledger_chain(*, user: User, spec: LedgerSpec, pk: int) -> list[ChainEvent]:
    """Every audit event of an entry, oldest first; internal events only for the supervising side.

    Call only after `ledger_entry()` has confirmed the user may see the entry.
    """
    kinds = (("建账", spec.open_q), ("销账", spec.close_q), ("查账", spec.check_q()))
    events = _entry_events(spec, pk, may_see_internal(user), _hidden(spec, user))
    # The database decides each event's kind with the very conditions the counts use (one small query per kind).
    ids = {kind: set(events.filter(q).values_list("pk", flat=True)) for kind, q in kinds}
    chain = []
    for event in events.select_related("actor_org").order_by("seq"):
        chain.append(ChainEvent(
            event=event, kind=next((k for k, _ in kinds if event.pk in ids[k]), ""),
            action_label=spec.action_labels.get(event.action, event.action),
            from_state_label=spec.state_labels.get(event.from_state, event.from_state),
            to_state_label=spec.state_labels.get(event.to_state, event.to_state),
        ))
    return chain

