"""The ledgers (台账) as data: one spec per list says where its rows come from, which columns the page and the Excel
export show, and how each entry's 建账 / 查账 / 销账 events are found in the audit log (domain §3, §11).

Each domain app declares its ledgers as `LEDGERS: list[LedgerSpec]` in `<app>/ledgers.py` (the contract is
`core/ledgers.py`), found through the plug-in registry; this app imports no domain app and no domain app imports it.
"""
from qingshan.core.ledgers import LedgerSpec as LedgerSpec  # re-exported for the ledgers app's own modules
from qingshan.core.registry import declared
from qingshan.core.tables import Column

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
