"""The 我的待办 contract: each app declares the queues of work it owes people in `<app>/worklist.py` as
`QUEUES: list[WorkQueue]`; the inbox page and the API gather every app's queues through the plug-in registry.

A queue answers for one user at a time: the items waiting for them (a queryset already scoped by the app's
selectors), or None when the queue is not theirs at all (a unit's queue for a supervisor), so it is not shown.
A queue may also say which of its items are the person's own (those they signed or were assigned): the page lists
every queue's own items first, then the organisation's others, so nobody hunts for their own work among the unit's.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Count, IntegerField, Q, QuerySet, Value

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
    # user -> the condition picking the user's own items among the queue's; None: every item is the organisation's.
    own: Callable[[Any], Q] | None = None


OWN, ORG = "own", "org"  # the two sections of 我的待办, in this order
SECTIONS = ((OWN, "本人事项"), (ORG, "本单位事项"))


@dataclass
class UserQueue:
    """A queue as one user has it: its declaration and the user's items."""

    queue: WorkQueue
    queryset: QuerySet  # every item of the queue for the user (own and organisation's)
    own_condition: Q | None = None

    def section(self, name: str) -> QuerySet:
        """The user's own items (OWN) or the organisation's others (ORG); a queue without owners is all ORG."""
        if self.own_condition is None:
            return self.queryset if name == ORG else self.queryset.none()
        return self.queryset.filter(self.own_condition) if name == OWN else self.queryset.exclude(self.own_condition)

    @property
    def has_own(self) -> bool:
        return self.own_condition is not None

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
            found.append(UserQueue(queue, items, queue.own(user) if queue.own is not None else None))
    return found


def queue_counts(queues: list[UserQueue]) -> dict[str, tuple[int, int]]:
    """{queue key: (all items, the person's own items)} for every queue, in one query whatever the number of queues
    and items: each queue's count is one branch of a UNION ALL (a round trip per queue made the officer's inbox 28
    queries)."""
    parts = []
    for q in queues:
        own = (Count("pk", filter=q.own_condition) if q.own_condition is not None
               else Value(0, output_field=IntegerField()))
        parts.append(q.queryset.order_by().annotate(queue_key=Value(q.key, output_field=CharField()))
                     .values("queue_key").annotate(n_all=Count("pk"), n_own=own).values_list("queue_key", "n_all",
                                                                                              "n_own"))
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {key: (n_all, n_own) for key, n_all, n_own in rows}


def section_counts(queues: list[UserQueue]) -> list[tuple[str, str, list[tuple[UserQueue, int]]]]:
    """(section, label, [(queue, count)]) for the page: own items first, then the organisation's; a queue appears in
    the own section only when it can have owners. One query for every count (queue_counts)."""
    counts = queue_counts(queues)
    own, org = [], []
    for q in queues:
        n_all, n_own = counts.get(q.key, (0, 0))
        if q.has_own:
            own.append((q, n_own))
        org.append((q, n_all - n_own))
    return [(name, label, rows) for (name, label), rows in zip(SECTIONS, (own, org), strict=True) if rows]
