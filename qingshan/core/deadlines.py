"""The one registration point for watched deadlines (domain §8).

Each domain app declares the deadlines it owns in ``<app>/deadlines.py`` as ``DEADLINE_KINDS: list[DeadlineKind]``.
The reminder engine (``qingshan.reminders``) discovers them in INSTALLED_APPS order, so a domain app never imports
the engine and a later kind needs no change in the engine.
"""
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from .registry import declared


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of deadline the reminder engine watches, and how the owning domain app answers its questions."""

    code: str  # stable, stored on every reminder, e.g. "supervision.report_slot"
    label: str  # shown to users, e.g. "报送期限"
    # Unscoped queryset of the items whose deadline is still to be met (open ones only).
    watched: Callable[[], QuerySet]
    deadline_field: str  # the DateField on the watched model that holds the current deadline
    # One line naming the item in a reminder. Never stored: each surface asks `titles()` for the items its reader may
    # see, so a title cannot outlive the reader's right to see the item.
    title: Callable[[Any], str]
    url: Callable[[Any], str]  # path of the item's page
    # Bulk: item pk -> ids of the users to remind (few queries for any number of items).
    recipients: Callable[[Sequence[Any]], Mapping[int, Collection[int]]]
    # Bulk: item pk -> ids of the heads/leaders who receive an escalation (提级督办).
    escalation_recipients: Callable[[Sequence[Any]], Mapping[int, Collection[int]]]
    # Apply 督办 in the owning domain through its service: (item, level, reason); the actor is the system (None).
    # Raise the item to a colour level as the system; returns False when it already was there (nothing changed).
    escalate: Callable[[Any, int, str], bool] | None = None
    # Field counting urgings (催办), for "K urgings without answer" escalation; None if the kind has none.
    urge_count_field: str | None = None
    # Items to show yellow before their due date because they are behind schedule (e.g. an off-track indicator).
    behind_schedule: Callable[[], Q] | None = None
    # Scoped queryset of the watched model's items `user` may see now, built on the access layer's visible_*
    # selectors. A reminder stays in a person's inbox, digest and delivery records, and its item is named there, only
    # while the item is in it (a problem reassigned or restricted since drops out). None: the kind declares no
    # visibility, and its notifications stay shown, with their titles, to the recipients it chose.
    visible: Callable[[Any], QuerySet] | None = None
    title_related: tuple[str, ...] = ()  # what `title` reads beyond the item (select_related paths)
    # Path from the item to the organisation answering for it (e.g. "lead_unit"): the inbox groups and filters by it.
    unit: str | None = None
    # URL name of the item's page (the one `url` gives): the reader opening it reads their reminders of the item.
    page: str = ""
    # Defaults of the per-kind rule (local practice, editable in the admin of the reminder engine).
    default_blue_days: int = 2  # blue N working days before the deadline
    default_escalate_after_days: int = 3  # escalate after M overdue working days
    default_escalate_after_urges: int | None = None  # or after K urgings without answer
    # A kind of notice (core/notices.py), not a deadline: reminders of it are written by `notify`, never by the sweep.
    notice: bool = False
    # The item's very existence is confidential (discipline clues, domain §5): no group robot posts its reminders,
    # and its delivery records are shown only to those who may see the item (`visible`), admins included.
    confidential: bool = False

    def scoped_items(self, user) -> QuerySet:
        """The items `user` may see (every item when the kind declares no visibility), ready for `title`."""
        items = self.visible(user) if self.visible is not None else self.watched().model._default_manager.all()
        return items.select_related(*self.title_related)

    def titles(self, user, ids: Iterable[int]) -> dict[int, str]:
        """item id -> title, for the items among `ids` that `user` may see, through the kind's scoped selector (one
        query); an item the user may not see is simply absent."""
        return {item.pk: self.title(item) for item in self.scoped_items(user).filter(pk__in=set(ids))}


def deadline_kinds() -> list[DeadlineKind]:
    """Every declared kind, in INSTALLED_APPS order (the engine and the access layer read the same list)."""
    return declared("deadlines", "DEADLINE_KINDS")
