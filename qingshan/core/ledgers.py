"""The ledger contract (台账, domain §3 and §11): what a domain app declares in `<app>/ledgers.py` as `LEDGERS`.

The ledgers app (pages, Excel export, 建账/查账/销账 chains) finds the declarations through the plug-in registry; a
domain app depends only on this contract, never on the ledgers app.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from .tables import Column


@dataclass(frozen=True)
class LedgerSpec:
    """What one ledger is: its rows (scoped by a selector), its columns and how its events are found."""

    code: str  # URL key, e.g. "problems"
    label: str  # e.g. "问题清单"
    number: int  # a small fixed number; the audit event of an export refers to the ledger by it
    rows: Callable[..., QuerySet]  # rows(user=...) -> the entries `user` may see (a domain selector)
    columns: tuple[Column, ...]
    # The audit events of one entry: events(ref) -> Q over AuditEvent, `ref` being the entry's pk or OuterRef("pk").
    events: Callable[[object], Q]
    open_q: Q  # which of an entry's events is its 建账
    close_q: Q  # which is its 销账
    ignore_q: Q = field(default_factory=lambda: Q(pk__in=[]))  # events that are neither (reads, files, notes)
    action_labels: Mapping[str, str] = field(default_factory=dict)  # audit action -> Chinese
    state_labels: Mapping[str, str] = field(default_factory=dict)
    closed_q: Q = field(default_factory=lambda: Q(pk__in=[]))  # entries that are closed (销账), over the rows
    period_field: str = ""  # a date field: the period filter (建账 dates)
    opened_field: str = ""  # a datetime field holding the 建账 time; empty: taken from the 建账 event
    unit_field: str = ""  # the filter "单位": a lookup from the row to an organisation
    unit_label: str = "单位"
    unit_kinds: tuple[str, ...] = ("unit",)  # organisation kinds (orgs.choices.OrgKind) offered by that filter
    state_field: str = ""
    ordering: tuple[str, ...] = ("-pk",)
    detail_url: Callable[[int], str] | None = None  # the entry's own page in its app, if any
    # hidden_events(user) -> Q over AuditEvent: events of the entries this reader may not see even as a count or a
    # "last 查账" (a problem's 移送 to a clue the reader is hard-blocked from); None: every event of a visible entry.
    hidden_events: Callable[[Any], Q] | None = None

    def check_q(self) -> Q:
        """An entry's 查账 events: everything that is neither its opening, its closing nor an ignored read."""
        return ~self.open_q & ~self.close_q & ~self.ignore_q
