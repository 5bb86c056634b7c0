"""The notice contract: a domain service tells people that something happened to one of its items (a report returned
for changes) without importing the reminder engine, which sits above it. Apps that deliver notices declare
`SENDERS: list[Callable[[Notice], None]]` in `<app>/notices.py`; the service calls `send_notice` inside its own
transaction, so the inbox rows commit (or roll back) with the change, and the channels send after commit.
"""
import datetime as dt
from dataclasses import dataclass

from .registry import declared


@dataclass(frozen=True)
class Notice:
    """One thing to tell some people about one item."""

    kind: str  # the deadline kind naming the item (its title, page and visibility), e.g. "supervision.report_slot"
    object_id: int
    event: str  # what happened, a stage of the inbox that is not a deadline stage, e.g. "returned"
    deadline: dt.date  # the item's deadline, shown with the notice
    user_ids: frozenset[int]
    note: str = ""  # one line under the item's title, e.g. the reviewer's comment


def send_notice(notice: Notice) -> None:
    """Hand the notice to every declared sender (the reminder engine: inbox, e-mail, group robots)."""
    for send in declared("notices", "SENDERS"):
        send(notice)
