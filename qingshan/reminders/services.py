"""Changes a person makes to reminders: read, snooze, retry a delivery, configure rules and group robots."""
import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from qingshan.access.crypto import encrypt
from qingshan.access.reminders import can_manage_deliveries, visible_among
from qingshan.audit.services import record_event
from qingshan.core.deadlines import DeadlineKind
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User

from .choices import DeliveryStatus
from .models import Delivery, Notification, OrgChannel, ReminderRule

MAX_SNOOZE_DAYS = 90


def _own(actor: User, notification: Notification) -> Notification:
    if notification.user_id != getattr(actor, "pk", None):
        raise PermissionRefused("只能处理本人的提醒。")
    return Notification.objects.select_for_update().get(pk=notification.pk)


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's reminders as read (already read: nothing changes)."""
    notification = _own(actor, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        record_event(object_type="reminders.notification", object_id=notification.pk, action="read", actor=actor,
                     payload={"reminder": notification.reminder_id})
    return notification


def _read(actor: User | None, unread: QuerySet[Notification], action: str, payload: dict) -> int:
    """Mark the unread notifications of `unread` read now, with one audit event naming them all; returns how many."""
    ids = list(unread.filter(read_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
    owner = actor.pk if actor is not None else 0
    record_event(object_type="reminders.inbox", object_id=owner, action=action, actor=actor,
                 payload={**payload, "notifications": ids})
    return len(ids)


@transaction.atomic
def notifications_mark_all_read(*, actor: User, notifications: QuerySet[Notification]) -> int:
    """全部标为已读: the actor's unread notifications among `notifications` (the inbox as filtered)."""
    return _read(actor, notifications.filter(user_id=actor.pk), "read_all", {})


def notifications_read_on_open(*, actor: User, path: str) -> int:
    """The actor opened an item's page: their reminders pointing to it are read. Every opening of such a page asks;
    with nothing unread for it (the usual case) that is one indexed query, with no transaction and no visibility
    check built."""
    unread = visible_among(actor, Notification.objects.filter(reminder__url=path, read_at__isnull=True))
    if unread is None:
        return 0
    with transaction.atomic():
        return _read(actor, unread, "read_on_open", {"page": path})


@transaction.atomic
def notifications_read_when_done(*, kind: DeadlineKind) -> int:
    """The awaited action is done (the item no longer waits: signed, submitted, closed): its reminders are read for
    everyone, by the system."""
    waiting = kind.watched().filter(pk=OuterRef("reminder__object_id"))
    done = Notification.objects.filter(read_at__isnull=True, reminder__kind=kind.code).exclude(Exists(waiting))
    return _read(None, done, "read_when_done", {"kind": kind.code})


@transaction.atomic
def notification_snooze(*, actor: User, notification: Notification, until: dt.date | None, reason: str) -> Notification:
    """Hide one of the actor's reminders until a later date, with a reason."""
    notification = _own(actor, notification)
    today = timezone.localdate()
    reason = (reason or "").strip()
    if until is None:
        raise ServiceError("请选择暂缓至哪一天。", field="until")
    if until <= today:
        raise ServiceError("暂缓日期须晚于今天。", field="until")
    if until > today + dt.timedelta(days=MAX_SNOOZE_DAYS):
        raise ServiceError(f"最多暂缓{MAX_SNOOZE_DAYS}天。", field="until")
    if not reason:
        raise ServiceError("请填写暂缓理由。", field="reason")
    notification.snoozed_until, notification.snooze_reason = until, reason[:200]
    notification.save(update_fields=["snoozed_until", "snooze_reason"])
    record_event(object_type="reminders.notification", object_id=notification.pk, action="snooze", actor=actor,
                 reason=reason, payload={"until": until.isoformat(), "reminder": notification.reminder_id})
    return notification


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a failed delivery again now (after commit), keeping its attempt count."""
    if not can_manage_deliveries(actor):
        raise PermissionRefused("只有委领导或部室负责人可以重新发送。")
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise ServiceError("只有发送失败的记录可以重新发送。")
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    record_event(object_type="reminders.delivery", object_id=delivery.pk, action="retry", actor=actor,
                 payload={"channel": delivery.channel, "target": delivery.target})
    pk = delivery.pk

    def send() -> None:
        from .sweep import deliver_due

        deliver_due(delivery_ids=[pk])

    transaction.on_commit(send)
    return delivery


@transaction.atomic
def org_channel_save(*, actor: User | None, channel: OrgChannel, secret: str | None = None) -> OrgChannel:
    """Create or change an organisation's group robot; a new secret is stored encrypted, never in clear."""
    if actor is not None and not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以配置群机器人。")
    if secret is not None:
        channel.secret_encrypted = encrypt(secret.strip()) if secret.strip() else ""
    channel.save()
    record_event(object_type="reminders.orgchannel", object_id=channel.pk, action="configure", actor=actor,
                 payload={"organisation": channel.organisation_id, "channel": channel.channel,
                          "enabled": channel.enabled, "signed": bool(channel.secret_encrypted)})
    return channel


@transaction.atomic
def reminder_rule_save(*, actor: User | None, rule: ReminderRule) -> ReminderRule:
    """Change a kind's rule (local practice)."""
    if actor is not None and not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以修改提醒规则。")
    if rule.escalate_after_days == 0:
        raise ServiceError("超期提级天数至少为 1 个工作日，或留空。", field="escalate_after_days")
    rule.save()
    record_event(object_type="reminders.rule", object_id=rule.pk, action="configure", actor=actor,
                 payload={"kind": rule.kind, "enabled": rule.enabled, "blue_days": rule.blue_days,
                          "escalate_after_days": rule.escalate_after_days,
                          "escalate_after_urges": rule.escalate_after_urges, "channels": sorted(rule.channels())})
    return rule
