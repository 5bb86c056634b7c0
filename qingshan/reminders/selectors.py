"""Reads of reminders, always through the access rules."""
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
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
from qingshan.orgs.models import Organisation, User

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


@dataclass(frozen=True)
class InboxSummary:
    """What the inbox page needs besides its page of rows, from one visibility pass over the user's notifications:
    the unit filter's choices, the number of rows a filter shows (the paginator's count) and the unread badge.

    `groups`: (unit id, stage, kind, read, snoozed, number of notifications) over the notifications
    `visible_notifications` shows, each with the unit `notification_list` gives it."""

    groups: tuple[tuple[int | None, str, str, bool, bool, int], ...]
    units: tuple[tuple[int, str], ...]

    def count(self, *, tab: str = "unread", stage: str = "", kind: str = "", unit: int | None = None,
              group: str = "") -> int:
        """How many rows `notification_list` gives with these filters (`group` orders only)."""
        total = 0
        for unit_id, g_stage, g_kind, read, snoozed, n in self.groups:
            if (tab == "snoozed") != snoozed or (tab == "unread" and read) or (tab == "read" and not read):
                continue
            if (stage and g_stage != stage) or (kind and g_kind != kind) or (unit is not None and unit_id != unit):
                continue
            total += n
        return total

    @property
    def unread(self) -> int:
        """Unread, not snoozed: what `unread_count` counts."""
        return self.count(tab="unread")


def inbox_summary(*, user: User, kinds: Collection[str] | None = None) -> InboxSummary:
    """The user's notifications counted by unit, colour, kind, read and snoozed, in one query: the visibility of
    each notification is checked once for the page's count, its unit filter and its badge (each checked them
    again before: 20-50 ms apiece for a unit's 1,200 notifications at 1,000,000 problems). The unit of each is
    looked up as `notification_list` looks it up; the choices are the units found, by name."""
    if kinds is None:
        kinds = _notification_kinds(user)
    if not kinds:
        return InboxSummary(groups=(), units=())
    today = timezone.localdate()
    unit_id, _ = _unit_of_item(kinds)
    rows = (visible_notifications(user, kinds=kinds).order_by()
            .annotate(unit_id=unit_id,
                      is_read=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField()),
                      is_snoozed=ExpressionWrapper(Q(snoozed_until__isnull=False) & _snoozed(today),
                                                   output_field=BooleanField()))
            .values_list("unit_id", "reminder__stage", "reminder__kind", "is_read", "is_snoozed")
            .annotate(n=Count("id")))
    groups = tuple((g_unit, stage, kind, bool(read), bool(snoozed), n)
                   for g_unit, stage, kind, read, snoozed, n in rows)
    return InboxSummary(groups=groups, units=_unit_names({g[0] for g in groups if g[0] is not None}))


def _unit_names(ids: set[int]) -> tuple[tuple[int, str], ...]:
    """(id, name) of the units `ids` (every kind's `unit` path ends at an organisation), by name then id in the
    database's collation: one query by primary key instead of a name lookup per notification."""
    if not ids:
        return ()
    return tuple(Organisation.objects.filter(pk__in=ids).order_by("name", "pk").values_list("pk", "name"))


def notification_kinds(*, user: User) -> frozenset[str]:
    """The kinds of deadline among the user's notifications (one indexed query), for `notification_list` and
    `inbox_summary` of one page."""
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
