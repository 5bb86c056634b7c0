"""Who sees which reminders: a person sees only their own inbox; delivery failures are for commission admins."""
from collections.abc import Collection

from django.db.models import Exists, OuterRef, Q, QuerySet

from qingshan.core.deadlines import deadline_kinds
from qingshan.core.errors import NotFound
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User, commission_of
from qingshan.reminders.models import Delivery, Notification

from .actors import profile_of

# Those who keep the channels working: the commission's leaders and office heads (and site administrators).
DELIVERY_ADMIN_ROLES = frozenset({Role.COMMISSION_LEADER, Role.OFFICE_HEAD})


def hidden_reminder_q(user: User, prefix: str = "", *, confidential_only: bool = False,
                      kinds: Collection[str] | None = None) -> Q:
    """Reminders (under `prefix`) whose item `user` may no longer see, by the visibility each kind declares.

    Visibility can change after a reminder went out (a problem reassigned to another unit, restricted to named
    people): it must not stay in the inbox, the unread count or the digest of someone who no longer sees the item
    (its title is never stored; each surface looks it up through the kind's `titles()`). One correlated EXISTS per
    declared visibility, so the number of queries does not grow with the number of reminders. A kind declaring no
    visibility (`DeadlineKind.visible` None) is never hidden: its recipients keep it. With `kinds`, only the rules of
    those kinds are built (the caller knows no other kind is among the reminders it filters).
    """
    by_rule: dict = {}  # kinds sharing one visibility (problems' sign and handle) share one EXISTS
    for kind in deadline_kinds():
        if kinds is not None and kind.code not in kinds:
            continue
        if kind.visible is not None and (kind.confidential or not confidential_only):
            by_rule.setdefault(kind.visible, []).append(kind.code)
    hidden = Q(pk__in=[])
    for visible, codes in by_rule.items():
        seen = visible(user).filter(pk=OuterRef(f"{prefix}object_id"))
        hidden |= Q(**{f"{prefix}kind__in": codes}) & ~Exists(seen)  # type: ignore[assignment]
    return hidden


def notification_kinds(user: User) -> frozenset[str]:
    """The kinds of deadline among `user`'s own notifications, read or not (one indexed query): what
    `visible_notifications(user, kinds=…)` needs to check."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(Notification.objects.filter(user_id=user.pk).order_by()
                     .values_list("reminder__kind", flat=True).distinct())


def visible_notifications(user: User, *, kinds: Collection[str] | None = None) -> QuerySet[Notification]:
    """The notifications in `user`'s own inbox (nobody else's, whatever the role), less those about an item the user
    may no longer see.

    With `kinds` (`notification_kinds(user)`), only notifications of those kinds, and only their visibility rules are
    built: the inbox's queries then carry the few rules of the kinds a person actually has instead of every declared
    one (planning them cost PostgreSQL 15-25 ms per query). A notification of another kind arriving meanwhile is left
    out, never shown unchecked."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    if kinds is None:
        return Notification.objects.filter(user_id=user.pk).exclude(hidden_reminder_q(user, "reminder__"))
    return (Notification.objects.filter(user_id=user.pk, reminder__kind__in=sorted(kinds))
            .exclude(hidden_reminder_q(user, "reminder__", kinds=kinds)))


def visible_among(user: User, notifications: QuerySet[Notification]) -> QuerySet[Notification] | None:
    """Those of `notifications` (already narrowed to `user`'s own) that `user` may still see, or None when there are
    none before any visibility check (one indexed query).

    For the surfaces every page pays (the unread badge, reading on opening an item's page): most people have nothing
    unread there, and then the item-visibility check of every declared kind is neither built nor run; otherwise only
    the kinds actually present are checked.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    mine = notifications.filter(user_id=user.pk)
    kinds = set(mine.order_by().values_list("reminder__kind", flat=True).distinct())
    if not kinds:
        return None
    return mine.exclude(hidden_reminder_q(user, "reminder__", kinds=kinds))


def access_notification(user: User, pk: int | str) -> Notification:
    """One of `user`'s notifications, or NotFound (the same answer as for another person's)."""
    try:
        return visible_notifications(user).select_related("reminder").get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def can_manage_deliveries(user: User) -> bool:
    """May see delivery records of every channel and retry failed ones."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(profile_of(user).roles & DELIVERY_ADMIN_ROLES)


def _admin_paths(user: User) -> set[str]:
    """Region paths of the commissions whose channels `user` keeps (as their leader or one of their office heads)."""
    paths = set()
    for m in profile_of(user).memberships:
        org = m.organisation
        if m.role not in DELIVERY_ADMIN_ROLES:
            continue
        commission = commission_of(org)
        if commission is not None:
            paths.add(commission.region.path)
    return paths


def visible_deliveries(user: User) -> QuerySet[Delivery]:
    """Delivery records `user` may see: all for a site administrator; for a delivery admin, those to people or
    group robots of organisations in the admin's commission's jurisdiction (a district's admin sees none of the
    city's addresses and items); none otherwise."""
    if not can_manage_deliveries(user):
        return Delivery.objects.none()
    # A confidential kind's records (clues) only for those who may see the item: not even its existence otherwise.
    hidden = hidden_reminder_q(user, "reminder__", confidential_only=True)
    if user.is_superuser:
        return Delivery.objects.exclude(hidden)
    scope = Q(pk__in=[])
    for path in _admin_paths(user):
        scope |= Exists(Membership.objects.filter(user_id=OuterRef("user_id"), is_active=True,  # type: ignore[assignment]
                                                  organisation__region__path__startswith=path))
        scope |= Q(org_channel__organisation__region__path__startswith=path)
    return Delivery.objects.filter(scope).exclude(hidden)
