"""The reminder engine's notice sender (contract in qingshan/core/notices.py): a notice becomes a reminder of its
item at the notice's stage, in each recipient's inbox, and goes out at once by e-mail and group robot like an urgent
stage. The same notice again (a report returned a second time) brings it back unread and sends it again."""
from django.db import transaction
from django.utils import timezone

from qingshan.core.notices import Notice

from .choices import DeliveryStatus, ReminderStatus
from .models import Delivery, Notification, Reminder
from .registry import kind_by_code, rules_for


def deliver(notice: Notice) -> None:
    """Write the notice's reminder and inbox rows in the caller's transaction; send after it commits."""
    from .sweep import _urgent_deliveries, deliver_due

    kind = kind_by_code()[notice.kind]
    item = kind.watched().model._default_manager.get(pk=notice.object_id)
    now = timezone.now()
    reminder, created = Reminder.objects.get_or_create(
        kind=notice.kind, object_id=notice.object_id, stage=notice.event, deadline=notice.deadline,
        defaults={"status": ReminderStatus.DONE, "url": kind.url(item)[:300], "created_at": now,
                  "note": notice.note[:300]})
    if not created:
        Reminder.objects.filter(pk=reminder.pk).update(note=notice.note[:300], created_at=now)
        reminder.note = notice.note[:300]
        reminder.notifications.filter(user_id__in=notice.user_ids).update(read_at=None, created_at=now,
                                                                         snoozed_until=None, snooze_reason="")
        reminder.deliveries.update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None,
                                   last_error="")
    Notification.objects.bulk_create([Notification(reminder=reminder, user_id=uid, created_at=now)
                                      for uid in sorted(notice.user_ids)], ignore_conflicts=True)
    rule = rules_for([kind])[kind.code]
    if not rule.enabled:
        return
    wanted = rule.channels()
    Delivery.objects.bulk_create(_urgent_deliveries([reminder], {reminder.pk: set(notice.user_ids)}, wanted, now),
                                 ignore_conflicts=True)
    pk = reminder.pk
    transaction.on_commit(lambda: deliver_due(reminder_ids=[pk]))


SENDERS = [deliver]
