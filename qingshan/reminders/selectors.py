"""Reads of reminders, always through the access rules."""
import datetime as dt

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from qingshan.access.reminders import hidden_reminder_q, visible_deliveries, visible_notifications
from qingshan.orgs.models import User

from .choices import DeliveryStatus
from .models import Delivery, Notification

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
    """Failed and still-retrying deliveries the user may manage, newest first; `title_hidden` marks those about an
    item the user may not see (the page names the kind of deadline instead of the item)."""
    hidden = Case(When(hidden_reminder_q(user, "reminder__"), then=Value(True)), default=Value(False),
                  output_field=BooleanField())
    failing = Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0)
    return (visible_deliveries(user).annotate(title_hidden=hidden).filter(failing)
            .select_related("reminder", "user", "org_channel__organisation").order_by("-created_at", "-id"))
