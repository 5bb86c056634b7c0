"""Who sees which reminders: a person sees only their own inbox; delivery failures are for commission admins."""
from django.db.models import Exists, OuterRef, Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership
from qingshan.problems.models import Extension, Problem
from qingshan.reminders.models import Delivery, Notification

from .actors import commission_of, profile_of

# Those who keep the channels working: the commission's leaders and office heads (and site administrators).
DELIVERY_ADMIN_ROLES = frozenset({Role.COMMISSION_LEADER, Role.OFFICE_HEAD})


# Reminder kinds whose object is a problem, or an extension request of one (qingshan/problems/deadlines.py).
PROBLEM_REMINDER_KINDS = ("problems.sign", "problems.handle")
EXTENSION_REMINDER_KINDS = ("problems.extension",)


def restricted_reminder_q(user, prefix: str = "") -> Q:
    """Reminders (under `prefix`) about a problem restricted to named people `user` is not one of.

    A problem may be restricted after its reminders went out: their stored titles must not stay in an inbox, a digest
    or the delivery records of someone it is now restricted from.
    """
    hidden = Problem.objects.filter(is_restricted=True).exclude(restricted_to__id=user.pk).values("pk")
    return (Q(**{f"{prefix}kind__in": PROBLEM_REMINDER_KINDS, f"{prefix}object_id__in": hidden})
            | Q(**{f"{prefix}kind__in": EXTENSION_REMINDER_KINDS,
                   f"{prefix}object_id__in": Extension.objects.filter(problem__in=hidden).values("pk")}))


def visible_notifications(user) -> QuerySet[Notification]:
    """The notifications in `user`'s own inbox (nobody else's, whatever the role), less those about a problem now
    restricted from the user."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).exclude(restricted_reminder_q(user, "reminder__"))


def access_notification(user, pk) -> Notification:
    """One of `user`'s notifications, or NotFound (the same answer as for another person's)."""
    try:
        return visible_notifications(user).select_related("reminder").get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def can_manage_deliveries(user) -> bool:
    """May see delivery records of every channel and retry failed ones."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(profile_of(user).roles & DELIVERY_ADMIN_ROLES)


def _admin_paths(user) -> set[str]:
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


def visible_deliveries(user) -> QuerySet[Delivery]:
    """Delivery records `user` may see: all for a site administrator; for a delivery admin, those to people or
    group robots of organisations in the admin's commission's jurisdiction (a district's admin sees none of the
    city's addresses and items); none otherwise."""
    if not can_manage_deliveries(user):
        return Delivery.objects.none()
    if user.is_superuser:
        return Delivery.objects.all()
    scope = Q(pk__in=[])
    for path in _admin_paths(user):
        scope |= Exists(Membership.objects.filter(user_id=OuterRef("user_id"), is_active=True,
                                                  organisation__region__path__startswith=path))
        scope |= Q(org_channel__organisation__region__path__startswith=path)
    return Delivery.objects.filter(scope)
