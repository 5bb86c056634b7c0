"""The ledgers (台账) as data: one spec per list says where its rows come from, which columns the page and the Excel
export show, and how each entry's 建账 / 查账 / 销账 events are found in the audit log (domain §3, §11).

Each domain app declares its ledgers as `LEDGERS: list[LedgerSpec]` in `<app>/ledgers.py`, found through the plug-in
registry; this app imports no domain app, so a domain app's ledger module may import these types without a circle.
"""
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from qingshan.core.registry import declared
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation


@dataclass(frozen=True)
class Column:
    """One column of a ledger: the same definition renders the page cell and the Excel cell."""

    key: str  # a field path or annotation name, as `values_list()` takes it
    label: str
    kind: str = "text"  # text | date | datetime | int | choice
    choices: Mapping[str, str] | None = None  # value -> Chinese label, for kind "choice"
    width: int = 14  # Excel column width (characters)
    colours: Mapping[str, str] | None = None  # value -> Bootstrap colour, for a badge on the page

    def value(self, raw):
        """The cell's value for Excel: dates as dates, datetimes local and naive (Excel has no time zones)."""
        if raw is None or raw == "":
            return None
        if self.kind == "choice":
            return (self.choices or {}).get(raw, raw)
        if self.kind == "date":
            return timezone.localtime(raw).date() if isinstance(raw, dt.datetime) else raw
        if self.kind == "datetime":
            return timezone.localtime(raw).replace(tzinfo=None, microsecond=0) if isinstance(raw, dt.datetime) else raw
        return raw

    def text(self, raw) -> str:
        """The cell as the page shows it."""
        value = self.value(raw)
        if value is None:
            return "—"
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def colour(self, raw) -> str:
        return (self.colours or {}).get(raw, "") if self.colours else ""


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
    unit_kinds: tuple[str, ...] = (OrgKind.UNIT,)
    state_field: str = ""
    ordering: tuple[str, ...] = ("-pk",)
    detail_url: Callable[[int], str] | None = None  # the entry's own page in its app, if any

    def unit_choices(self) -> QuerySet[Organisation]:
        return Organisation.objects.filter(kind__in=self.unit_kinds, is_active=True).order_by("kind", "name")

    def check_q(self) -> Q:
        """An entry's 查账 events: everything that is neither its opening, its closing nor an ignored read."""
        return ~self.open_q & ~self.close_q & ~self.ignore_q


# The chain columns every ledger shows after its own columns; filled in by selectors.ledger_rows().
CHAIN_COLUMNS_KEYS = ("ledger_opened", "ledger_checks", "ledger_last_check_at", "ledger_last_check", "ledger_closed")


def chain_columns(spec: LedgerSpec) -> tuple[Column, ...]:
    return (
        Column("ledger_opened", "建账日期", "date", width=12),
        Column("ledger_checks", "查账次数", "int", width=9),
        Column("ledger_last_check_at", "最近查账时间", "datetime", width=17),
        Column("ledger_last_check", "最近查账事项", "choice", choices=spec.action_labels, width=14),
        Column("ledger_closed", "销账日期", "date", width=12),
    )


def all_columns(spec: LedgerSpec) -> tuple[Column, ...]:
    """The entry's own columns, then the 建账 / 查账 / 销账 columns: the page table and the export share these."""
    return spec.columns + chain_columns(spec)


def ledgers() -> list[LedgerSpec]:
    """Every declared ledger, in tab order."""
    return sorted(declared("ledgers", "LEDGERS"), key=lambda s: s.number)


def ledger(code: str) -> LedgerSpec | None:
    return next((spec for spec in ledgers() if spec.code == code), None)
