"""The 我的待办 contract: each app declares the queues of work it owes people in `<app>/worklist.py` as
`QUEUES: list[WorkQueue]`; the inbox page and the API gather every app's queues through the plug-in registry.

A queue answers for one user at a time: the items waiting for them (a queryset already scoped by the app's
selectors), or None when the queue is not theirs at all (a unit's queue for a supervisor), so it is not shown.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from .registry import declared


@dataclass(frozen=True)
class WorkQueue:
    """One queue of 我的待办, e.g. the problems waiting for the user's unit to sign them."""

    key: str  # unique among every app's queues, stable: it is the page's ?queue= and the API's key
    label: str  # e.g. "待签收"
    order: int  # position among every app's queues (problems 100-199, supervision 200-299, datacheck 300-399, …)
    # (user, shared) -> the items waiting for the user, or None: not the user's queue. `shared` is one dict per
    # gathering, where an app keeps what all its queues start from (built once, e.g. the user's visible problems).
    items: Callable[[Any, dict], QuerySet | None]
    ordering: tuple = ("-pk",)  # how the page lists the items (expressions allowed)
    rows_template: str = ""  # the template of the page's table of items; it gets `items` (a page) and `today`


@dataclass
class UserQueue:
    """A queue as one user has it: its declaration and the user's items."""

    queue: WorkQueue
    queryset: QuerySet

    @property
    def key(self) -> str:
        return self.queue.key

    @property
    def label(self) -> str:
        return self.queue.label


def work_queues(*, user) -> list[UserQueue]:
    """The queues of every app that are `user`'s, in their declared order (nothing is queried yet)."""
    found = []
    shared: dict = {}
    for queue in sorted(declared("worklist", "QUEUES"), key=lambda q: q.order):
        items = queue.items(user, shared)
        if items is not None:
            found.append(UserQueue(queue, items))
    return found
