"""The notices contract: a domain service tells people that something happened to one of its items (a leader's 批示,
a unit's 进展, a partner's reply, a report returned for changes) without importing the reminder engine, which sits
above the domain apps.

A service calls `notify(...)` inside its own transaction; every app declaring `SENDERS: list[Callable[[Notice],
None]]` in `<app>/notices.py` receives it (the reminder engine: inbox rows in that transaction, so they commit or roll
back with the change; e-mail and group robots after commit). A notice names a `DeadlineKind`, so the inbox, its
visibility rule and the item's title are the kind's own.
"""
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from .registry import declared


@dataclass(frozen=True)
class Notice:
    """Something `user_ids` should read about one item, now."""

    kind: str  # a deadline kind's code, e.g. "problems.instruction" (a kind with notice=True) or a slot's kind
    object_id: int
    deadline: dt.date  # shown beside it (the item's deadline, else today)
    user_ids: Collection[int]
    note: str = ""  # one line in Chinese under the item's title: who did what, a reviewer's comment
    event: str = "notice"  # the inbox stage that is not a deadline stage: "notice" (督办动态) or "returned" (退回修改)
    url: str = ""  # the item's page; the kind's own when empty
    urgent: bool = True  # also sent at once by e-mail and group robots (the kind's rule channels), not only the inbox


def notify(notice: Notice) -> None:
    """Hand `notice` to every declared sender (in the caller's transaction)."""
    for send in declared("notices", "SENDERS"):
        send(notice)
