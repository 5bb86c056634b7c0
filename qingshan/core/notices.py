"""The notices contract: a domain service tells people of something that happened (a leader's 批示, a unit's 进展, a
partner's reply) without importing the reminder engine, which sits above the domain apps.

A service calls `notify(...)` inside its transaction; every app declaring `<app>/notices.py` with `deliver(notice)`
(the reminder engine: inbox rows now, e-mail and group robots after commit) receives it. Each notice names a
`DeadlineKind` declared with `notice=True`, so the inbox, its visibility rule and the titles are the deadlines' own.
"""
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from .registry import plugins


@dataclass(frozen=True)
class Notice:
    """Something `user_ids` should read about one item, now."""

    kind: str  # the code of a notice kind (a DeadlineKind with notice=True), e.g. "problems.instruction"
    object_id: int
    date: dt.date  # shown beside it (the item's deadline, else today)
    url: str  # the item's page
    text: str  # one line in Chinese: who did what, e.g. "陈书记批示：请本周内完成整改"
    user_ids: Collection[int]
    urgent: bool = False  # sent at once by e-mail and group robots too, not only to the inbox


def notify(notice: Notice) -> None:
    """Hand `notice` to every app that delivers notices (in the caller's transaction)."""
    for module in plugins("notices"):
        module.deliver(notice)
