"""Notices (core/notices.py) into the reminder engine: one inbox row per item, kind and event, refreshed by each new
notice, and for urgent ones an e-mail and group-robot message sent after commit (on the kind's rule channels
when it is a deadline kind).

A row per item and event (not per notice) keeps a leader's third 批示 on a problem from becoming a third unread row,
and a report returned twice from being two: it carries the newest text, comes back to the top as unread (snooze
lifted) and is sent again; the timeline keeps every one.
"""
from django.db import transaction
from django.utils import timezone

from qingshan.core.notices import Notice

from .choices import ROBOT_CHANNELS, Channel, DeliveryStatus, ReminderStatus
from .models import Delivery, Notification, Reminder
from .registry import kind_by_code, rules_for

CHANNELS = {Channel.EMAIL, Channel.WECOM, Channel.DINGTALK}


def deliver(notice: Notice) -> None:
    """Write the notice's reminder and inbox rows in the caller's transaction; send it after commit when urgent."""
    from .sweep import _urgent_deliveries, deliver_due

    kind = kind_by_code()[notice.kind]
    now = timezone.now()
    note = notice.note[:300]
    url = notice.url or kind.url(kind.watched().model._default_manager.get(pk=notice.object_id))
    reminder, created = Reminder.objects.get_or_create(
        kind=notice.kind, object_id=notice.object_id, stage=notice.event, deadline=notice.deadline,
        defaults={"status": ReminderStatus.DONE, "url": url[:300], "note": note, "created_at": now})
    if not created:
        Reminder.objects.filter(pk=reminder.pk).update(note=note, url=url[:300], created_at=now)
        reminder.note = note
    users = set(notice.user_ids)
    if not users:
        return
    # Those who had it: unread again, on top, no longer snoozed (the news is new).
    Notification.objects.filter(reminder=reminder, user_id__in=users).update(
        read_at=None, created_at=now, snoozed_until=None, snooze_reason="")
    Notification.objects.bulk_create([Notification(reminder=reminder, user_id=u, created_at=now)
                                      for u in sorted(users)], ignore_conflicts=True)
    if not notice.urgent:
        return
    if kind.notice:  # a kind that is only notices has no rule (the sweep never runs it): every channel
        channels = CHANNELS
    else:  # a notice about a deadline's item goes where its kind's rule sends
        rule = rules_for([kind])[kind.code]
        if not rule.enabled:
            return
        channels = rule.channels()
    if kind.confidential:  # a group chat would tell all its members that such an item exists
        channels = set(channels) - set(ROBOT_CHANNELS)
    # Sent again with the new text: the earlier deliveries of this row are due once more.
    Delivery.objects.filter(reminder=reminder).exclude(status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None, last_error="")
    Delivery.objects.bulk_create(_urgent_deliveries([reminder], {reminder.pk: users}, channels, now),
                                 ignore_conflicts=True)
    pk = reminder.pk
    transaction.on_commit(lambda: deliver_due(reminder_ids=[pk]))


SENDERS = [deliver]
