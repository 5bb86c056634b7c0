"""Reads of reminders, always through the access rules."""
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from qingshan.access.reminders import visible_deliveries, visible_notifications
from qingshan.orgs.models import User

from .choices import DeliveryStatus
from .models import Delivery, Notification, Reminder
from .registry import kind_by_code

TABS = (("unread", "未读"), ("all", "全部"), ("snoozed", "已暂缓"))


def _snoozed(today: dt.date) -> Q:
    return Q(snoozed_until__gt=today)


def notification_list(*, user: User, tab: str = "unread") -> QuerySet[Notification]:
    """The user's own notifications for an inbox tab: 未读 (not snoozed), 全部 (not snoozed), 已暂缓."""
    today = timezone.localdate()
    query = visible_notifications(user).select_related("reminder")
    if tab == "snoozed":
        query = query.filter(_snoozed(today))
    else:
        query = query.exclude(_snoozed(today))
        if tab == "unread":
            query = query.filter(read_at__isnull=True)
    return query.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """Unread, not snoozed notifications of the user (one indexed count)."""
    return (visible_notifications(user).filter(read_at__isnull=True)
            .exclude(_snoozed(timezone.localdate())).count())


def delivery_failures(*, user: User) -> QuerySet[Delivery]:
    """Failed and still-retrying deliveries the user may manage, newest first (name their items with
    `with_titles`: an item the user may not see stays unnamed)."""
    failing = Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0)
    return (visible_deliveries(user).filter(failing)
            .select_related("reminder", "user", "org_channel__organisation").order_by("-created_at", "-id"))


def with_titles(reminders: Iterable[Reminder], *, user: User) -> None:
    """Name each reminder's item for `user`: `item_title` is its title looked up through the kind's scoped selector,
    or "" when the user may not see the item; `kind_label` names the kind of deadline.

    One query per scope shown, whatever the number of reminders: kinds reading the same items through the same
    selector (the problems' sign and handling deadlines) share it.
    """
    reminders = list(reminders)
    kinds = kind_by_code()
    scopes: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for reminder in reminders:
        kind = kinds.get(reminder.kind)
        if kind is not None:
            scope = (kind.visible or kind.watched().model, kind.title_related)
            scopes[scope][reminder.kind].add(reminder.object_id)
    titles: dict[tuple[str, int], str] = {}
    for ids_by_kind in scopes.values():
        first = kinds[next(iter(ids_by_kind))]
        items = first.scoped_items(user).in_bulk(set().union(*ids_by_kind.values()))
        for code, ids in ids_by_kind.items():
            titles.update({(code, pk): kinds[code].title(items[pk]) for pk in ids if pk in items})
    for reminder in reminders:
        kind = kinds.get(reminder.kind)
        # Display attributes for the templates, set on the instances (not model fields).
        setattr(reminder, "kind_label", kind.label if kind else "事项期限")  # noqa: B010
        setattr(reminder, "item_title", titles.get((reminder.kind, reminder.object_id), ""))  # noqa: B010
