"""Reads of reminders, always through the access rules."""
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

from django.db.models import BigIntegerField, Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from qingshan.access.reminders import (
    notification_kinds as _notification_kinds,
)
from qingshan.access.reminders import (
    visible_among,
    visible_deliveries,
    visible_notifications,
)
from qingshan.core.deadlines import deadline_kinds
from qingshan.orgs.models import User

from .choices import DeliveryStatus, Stage
from .models import Delivery, Notification, Reminder
from .registry import kind_by_code

TABS = (("unread", "未读"), ("read", "已读"), ("all", "全部"), ("snoozed", "已暂缓"))
GROUPS = (("", "不分组"), ("colour", "按颜色"), ("unit", "按单位"))
# Most urgent first when grouped by colour.
STAGE_ORDER = (Stage.ESCALATED, Stage.RED, Stage.YELLOW, Stage.BLUE, Stage.RETURNED)


def _snoozed(today: dt.date) -> Q:
    return Q(snoozed_until__gt=today)


def _unit_of_item(kinds: Collection[str]) -> tuple[Case, Case]:
    """`unit_id` and `unit_name`: the organisation answering for each notification's item, by the path its kind
    declares (`DeadlineKind.unit`); one correlated subquery per kind among `kinds`, whatever the number of
    notifications."""
    ids, names = [], []
    for kind in deadline_kinds():
        if kind.unit and kind.code in kinds:
            item = kind.watched().model._default_manager.filter(pk=OuterRef("reminder__object_id")).order_by()
            ids.append(When(reminder__kind=kind.code, then=Subquery(item.values(kind.unit)[:1])))
            names.append(When(reminder__kind=kind.code, then=Subquery(item.values(f"{kind.unit}__name")[:1])))
    return (Case(*ids, default=Value(None), output_field=BigIntegerField()),
            Case(*names, default=Value(""), output_field=CharField()))


def notification_list(*, user: User, tab: str = "unread", stage: str = "", kind: str = "", unit: int | None = None,
                      group: str = "", kinds: Collection[str] | None = None) -> QuerySet[Notification]:
    """The user's own notifications for an inbox tab (未读, 已读 and 全部 leave out the snoozed; 已暂缓), of one
    colour, kind of deadline or unit when given, each with its unit; grouped by colour or unit when asked.

    `kinds`: the kinds among the user's notifications (`notification_kinds`), when the caller already has them."""
    today = timezone.localdate()
    if kinds is None:
        kinds = _notification_kinds(user)
    unit_id, unit_name = _unit_of_item(kinds)
    query = (visible_notifications(user, kinds=kinds).select_related("reminder")
             .annotate(unit_id=unit_id, unit_name=unit_name))
    if tab == "snoozed":
        query = query.filter(_snoozed(today))
    else:
        query = query.exclude(_snoozed(today))
        if tab == "unread":
            query = query.filter(read_at__isnull=True)
        elif tab == "read":
            query = query.filter(read_at__isnull=False)
    if stage:
        query = query.filter(reminder__stage=stage)
    if kind:
        query = query.filter(reminder__kind=kind)
    if unit is not None:
        query = query.filter(unit_id=unit)
    first: tuple = ()
    if group == "colour":
        first = (Case(*(When(reminder__stage=s, then=Value(n)) for n, s in enumerate(STAGE_ORDER)),
                      default=Value(len(STAGE_ORDER))),)
    elif group == "unit":
        first = ("unit_name",)
    return query.order_by(*first, "-created_at", "-id")


def inbox_units(*, user: User, kinds: Collection[str] | None = None) -> list[tuple[int, str]]:
    """The units answering for the items of the user's notifications (the inbox's unit filter), by name.

    One query: for each item table, the distinct units of the items named by the user's notifications that
    `visible_notifications` shows (a semi-join of their ids, checked as the inbox checks them), as a UNION over the
    kinds present. Exactly the units that `notification_list` gives its rows, without a unit lookup per notification.
    (Joining the items to the kind's visible items instead made PostgreSQL build a unit's whole visible set, 53,000
    problems, by a sequential scan: 0.6 s at 1,000,000 problems.)"""
    if kinds is None:
        kinds = _notification_kinds(user)
    parts: dict[tuple, list[str]] = defaultdict(list)  # kinds reading one unit of one table share one part
    for kind in deadline_kinds():
        if kind.unit and kind.code in kinds:
            parts[(kind.watched().model, kind.unit)].append(kind.code)
    queries = []
    for (model, unit), codes in parts.items():
        shown = visible_notifications(user, kinds=codes).values("reminder__object_id")
        queries.append(model._default_manager.filter(pk__in=shown, **{f"{unit}__isnull": False}).order_by()
                       .annotate(answering_id=F(unit), answering_name=F(f"{unit}__name"))
                       .values_list("answering_id", "answering_name"))
    if not queries:
        return []
    rows = queries[0].union(*queries[1:]) if len(queries) > 1 else queries[0].distinct()
    return list(rows.order_by("answering_name", "answering_id"))


def notification_kinds(*, user: User) -> frozenset[str]:
    """The kinds of deadline among the user's notifications (one indexed query), for `notification_list` and
    `inbox_units` of one page."""
    return _notification_kinds(user)


def inbox_kinds() -> list[tuple[str, str]]:
    """The kinds of deadline (the inbox's kind filter)."""
    return [(kind.code, kind.label) for kind in deadline_kinds()]


BADGE_CAP = 99  # the navigation bar shows "99+" beyond this


def unread_count(*, user: User, cap: int | None = None) -> int:
    """Unread, not snoozed notifications of the user that they may still see. One indexed query finds the kinds
    unread (none: 0, and no visibility check is built); a second counts, checking only those kinds. With `cap`,
    counting stops after cap + 1: every page shows the badge, and a leader with hundreds of unread 提级督办 must not
    pay the item-visibility check of each one on every page."""
    unread = visible_among(user, Notification.objects.filter(read_at__isnull=True).exclude(
        _snoozed(timezone.localdate())))
    if unread is None:  # nothing unread at all: no visibility check to pay
        return 0
    if cap is not None:
        unread = unread[:cap + 1]
    return unread.count()


def badge_label(count: int) -> str:
    """The navigation bar's text for a count taken with cap=BADGE_CAP: "" for none, "99+" beyond the cap."""
    return "" if not count else f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


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
