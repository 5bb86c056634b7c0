"""Notices (core/notices.py) into the reminder engine: one inbox row per item and kind of notice, refreshed by each
new one, and for urgent ones an e-mail and group-robot message sent after commit, like a red reminder.

A row per item and kind (not per notice) keeps a leader's third 批示 on a problem from becoming a third unread row:
it carries the newest text, comes back to the top as unread, and is sent again; the timeline keeps every one.
"""
from django.db import transaction
from django.utils import timezone

from qingshan.core.notices import Notice

from .choices import Channel, DeliveryStatus, ReminderStatus, Stage
from .models import Delivery, Notification, Reminder
from .sweep import _urgent_deliveries, deliver_due

CHANNELS = {Channel.EMAIL, Channel.WECOM, Channel.DINGTALK}


def deliver(notice: Notice) -> None:
    """Write the notice into its recipients' inboxes now (the caller's transaction); send it after commit."""
    now = timezone.now()
    reminder, created = Reminder.objects.get_or_create(
        kind=notice.kind, object_id=notice.object_id, stage=Stage.NOTICE, deadline=notice.date,
        defaults={"status": ReminderStatus.DONE, "url": notice.url[:300], "note": notice.text[:300],
                  "created_at": now})
    if not created:
        reminder.note, reminder.url, reminder.created_at = notice.text[:300], notice.url[:300], now
        reminder.save(update_fields=["note", "url", "created_at"])
    users = set(notice.user_ids)
    if not users:
        return
    # Those who had it: unread again, on top, no longer snoozed (the news is new).
    Notification.objects.filter(reminder=reminder, user_id__in=users).update(
        read_at=None, created_at=now, snoozed_until=None, snooze_reason="")
    Notification.objects.bulk_create([Notification(reminder=reminder, user_id=u, created_at=now) for u in users],
                                     ignore_conflicts=True)
    if not notice.urgent:
        return
    # Sent again with the new text: the earlier deliveries of this row are due once more.
    Delivery.objects.filter(reminder=reminder).exclude(status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error="")
    Delivery.objects.bulk_create(_urgent_deliveries([reminder], {reminder.pk: users}, CHANNELS, now),
                                 ignore_conflicts=True)
    reminder_id = reminder.pk
    transaction.on_commit(lambda: deliver_due(reminder_ids=[reminder_id]))
