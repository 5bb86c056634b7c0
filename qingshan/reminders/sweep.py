"""The sweep: watched deadlines → stages → reminders → inbox, deliveries and escalation, exactly once.

Date thresholds are computed in Python with the working-day calendar; items are then selected by date range in SQL
and their reminders inserted by one INSERT … SELECT … ON CONFLICT DO NOTHING per (kind, stage), so a sweep over a
million open deadlines touches in Python only the items that reach a new stage. A unique (kind, item, stage,
deadline) makes repeated and concurrent sweeps no-ops; reminders and deliveries are claimed (row lock with
SKIP LOCKED on PostgreSQL, conditional UPDATE everywhere) before anything is sent, and every batch commits on its
own, so a sweep killed half-way loses nothing and the next one finishes the work without duplicates.
"""
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from qingshan.core.choices import EscalationLevel
from qingshan.core.deadlines import DeadlineKind
from qingshan.core.errors import ServiceError
from qingshan.orgs.models import Membership, User
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days, is_working_day

from . import channels
from .choices import DEADLINE_STAGES, ROBOT_CHANNELS, URGENT_STAGES, Channel, DeliveryStatus, ReminderStatus, Stage
from .models import Delivery, Notification, OrgChannel, Reminder, ReminderRule
from .registry import deadline_kinds, rules_for
from .services import notifications_read_when_done

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # reminders fanned out per transaction
DELIVERY_BATCH = 50
MAX_ATTEMPTS = 6
BACKOFF_BASE = dt.timedelta(minutes=1)  # 1, 2, 4, 8, 16 minutes between attempts, then 失败 for a person to retry
ANALYZE_AFTER_ROWS = 5_000
LEASE = dt.timedelta(minutes=10)  # a delivery claimed longer ago than this by a sweep that died is claimed again


def _no_checkpoint(reminder: Reminder) -> None:
    """Called after each reminder is handled; tests replace it to kill a sweep half-way."""


checkpoint: Callable[[Reminder], None] = _no_checkpoint


@dataclass
class SweepStats:
    """What one sweep did."""

    created: Counter = field(default_factory=Counter)  # new reminders by stage
    notifications: int = 0
    escalations: int = 0
    voided: int = 0
    read_done: int = 0  # notifications read because their item no longer waits (the awaited action was done)
    digests: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # wall time per phase, for benchmarks and logs

    def summary(self) -> str:
        stages = "，".join(f"{s.label}{self.created[s]}条" for s in DEADLINE_STAGES if self.created[s]) or "无新提醒"
        text = (f"本轮扫描：{stages}；站内提醒{self.notifications}条，提级督办{self.escalations}项，"
                f"每日汇总{self.digests}份；发送成功{self.sent}条，发送失败{self.failed}条。")
        if self.voided:
            text += f"已失效{self.voided}条。"
        return text + "".join(f"\n注意：{e}" for e in self.errors)


@dataclass(frozen=True)
class Windows:
    """The deadline dates that put an item in each stage today."""

    today: dt.date
    blue_until: dt.date | None  # blue for deadlines in (today, blue_until]
    escalate_on_or_before: dt.date | None  # escalate when the deadline is on or before this date


def stage_windows(today: dt.date, rule: ReminderRule, errors: list[str] | None = None) -> Windows:
    """Date thresholds from the working-day calendar (make-up days count as working days).

    A threshold that needs a year without a holiday table is left out (its stage waits) and the reason is appended
    to `errors`; when `errors` is None the CalendarNotAvailable is raised instead. Yellow and red need no calendar.
    """
    blue_until = escalate = None
    try:
        if rule.blue_days:
            # The last date still within N working days: the day before the (N+1)th working day after today.
            blue_until = add_working_days(today, rule.blue_days + 1) - dt.timedelta(days=1)
    except CalendarNotAvailable as exc:
        if errors is None:
            raise
        errors.append(f"{rule.label}蓝色提醒暂停：{exc}")
    try:
        if rule.escalate_after_days:
            # Walk back until (cutoff, today] holds M working days: a deadline on or before it is M days overdue.
            cutoff, counted = today, 0
            while counted < rule.escalate_after_days:
                if is_working_day(cutoff):
                    counted += 1
                cutoff -= dt.timedelta(days=1)
            escalate = cutoff
    except CalendarNotAvailable as exc:
        if errors is None:
            raise
        errors.append(f"{rule.label}超期提级暂停：{exc}")
    return Windows(today=today, blue_until=blue_until, escalate_on_or_before=escalate)


def _stage_filters(kind: DeadlineKind, rule: ReminderRule, w: Windows) -> dict[str, list[Q]]:
    """Per stage, the selections of items in it today (several for one stage are inserted one after another)."""
    f = kind.deadline_field
    filters: dict[str, list[Q]] = {}
    if w.blue_until is not None:
        filters[Stage.BLUE] = [Q(**{f"{f}__gt": w.today, f"{f}__lte": w.blue_until})]
    yellow = Q(**{f: w.today})
    if kind.behind_schedule is not None:
        yellow |= kind.behind_schedule() & Q(**{f"{f}__gt": w.today})
    filters[Stage.YELLOW] = [yellow]
    filters[Stage.RED] = [Q(**{f"{f}__lt": w.today})]
    # Two separate selections (not one OR): the overdue one can then use the deadline index.
    if w.escalate_on_or_before is not None:
        filters[Stage.ESCALATED] = [Q(**{f"{f}__lte": w.escalate_on_or_before})]
    if rule.escalate_after_urges and kind.urge_count_field:
        filters.setdefault(Stage.ESCALATED, []).append(
            Q(**{f"{kind.urge_count_field}__gte": rule.escalate_after_urges}))
    return filters


def _insert_reminders(kind: DeadlineKind, stage: str, condition: Q, now: dt.datetime) -> int:
    """INSERT … SELECT the items newly in `stage`; the unique constraint drops any a concurrent sweep inserted."""
    f = kind.deadline_field
    seen = Reminder.objects.filter(kind=kind.code, stage=stage, object_id=OuterRef("pk"), deadline=OuterRef(f))
    source = (kind.watched().filter(condition).filter(**{f"{f}__isnull": False}).filter(~Exists(seen)).order_by()
              .annotate(rem_oid=F("pk"), rem_dl=F(f)).values("rem_oid", "rem_dl"))
    inner, params = source.query.get_compiler(connection=connection).as_sql()
    table = connection.ops.quote_name(Reminder._meta.db_table)
    sql = (f"INSERT INTO {table} (kind, object_id, stage, deadline, status, url, note, created_at) "
           f"SELECT %s, w.rem_oid, %s, w.rem_dl, %s, '', '', %s FROM ({inner}) w WHERE 1 = 1 "
           f"ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind.code, str(stage), ReminderStatus.PENDING,
                             connection.ops.adapt_datetimefield_value(now), *params])
        return max(cursor.rowcount, 0)


def _produce(kind: DeadlineKind, rule: ReminderRule, w: Windows, now: dt.datetime, stats: SweepStats,
             escalate: bool = True) -> None:
    for stage, conditions in _stage_filters(kind, rule, w).items():
        if stage == Stage.ESCALATED and not escalate:
            continue
        for condition in conditions:
            with transaction.atomic():
                stats.created[str(stage)] += _insert_reminders(kind, stage, condition, now)


def _robots_by_user(user_ids: set[int], wanted: set[str]) -> dict[int, list[OrgChannel]]:
    """Enabled group robots of the organisations each user belongs to."""
    if not wanted or not user_ids:
        return {}
    pairs = list(Membership.objects.filter(user_id__in=user_ids, is_active=True)
                 .values_list("user_id", "organisation_id"))
    robots: dict[int, list[OrgChannel]] = {}
    for robot in OrgChannel.objects.filter(enabled=True, channel__in=wanted, organisation_id__in={o for _, o in pairs}
                                           ).select_related("organisation"):
        robots.setdefault(robot.organisation_id, []).append(robot)
    result: dict[int, list[OrgChannel]] = {}
    for user_id, org_id in pairs:
        result.setdefault(user_id, []).extend(robots.get(org_id, []))
    return result


def _write_outcomes(batch: list[Reminder]) -> None:
    """One UPDATE … FROM (VALUES …) for the batch (bulk_update's CASE per row costs seconds per thousand rows)."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
    params = [v for r in batch for v in (r.pk, r.status, r.url, r.note)]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET status = v.column2, url = v.column3, note = v.column4 "
                       f"FROM (VALUES {rows}) AS v WHERE {table}.id = CAST(v.column1 AS bigint)", params)


def _fan_out_batch(kind: DeadlineKind, rule: ReminderRule, now: dt.datetime, stats: SweepStats) -> int:
    """Claim one batch of pending reminders of a kind and fan it out, all in one transaction; returns its size."""
    with transaction.atomic():
        batch = list(Reminder.objects.select_for_update(skip_locked=True)
                     .filter(kind=kind.code, status=ReminderStatus.PENDING).order_by("id")[:BATCH_SIZE])
        if not batch:
            return 0
        items = kind.watched().in_bulk({r.object_id for r in batch})
        live = [r for r in batch if r.object_id in items
                and getattr(items[r.object_id], kind.deadline_field) == r.deadline]
        live_ids = {r.pk for r in live}
        normal_items = [items[r.object_id] for r in live if r.stage != Stage.ESCALATED]
        escalated_items = [items[r.object_id] for r in live if r.stage == Stage.ESCALATED]
        recipients = dict(kind.recipients(normal_items)) if normal_items else {}
        heads = dict(kind.escalation_recipients(escalated_items)) if escalated_items else {}
        notes, wanted = [], set(rule.channels())
        if kind.confidential:
            wanted -= set(ROBOT_CHANNELS)  # a group chat would tell all its members that such an item exists
        per_reminder: dict[int, set[int]] = {}
        for reminder in batch:
            item = items.get(reminder.object_id)
            if reminder.pk not in live_ids:
                reminder.status, reminder.note = ReminderStatus.VOID, "事项已办结或期限已变更"
                stats.voided += 1
                continue
            reminder.url = kind.url(item)[:300]
            reminder.status = ReminderStatus.DONE
            if reminder.stage == Stage.ESCALATED:
                per_reminder[reminder.pk] = set(heads.get(item.pk, ()))
                if kind.escalate is not None:
                    reason = f"{kind.label}超期未办，系统按提醒规则提级督办（期限 {reminder.deadline:%Y-%m-%d}）。"
                    started = time.perf_counter()
                    try:
                        with transaction.atomic():
                            changed = kind.escalate(item, EscalationLevel.RED, reason)
                        if changed:
                            stats.escalations += 1
                        else:
                            reminder.note = "未提级：已是红色督办。"
                    except ServiceError as exc:
                        reminder.note = f"未提级：{exc.message}"[:300]
                    except Exception as exc:  # noqa: BLE001 - one broken item must not block the kind forever
                        log.exception("escalation of %s %s failed", kind.code, item.pk)
                        reminder.note = f"提级失败：{exc}"[:300]
                    stats.seconds["escalate"] += time.perf_counter() - started
            else:
                per_reminder[reminder.pk] = set(recipients.get(item.pk, ()))
            checkpoint(reminder)
            notes.append(reminder)
        _write_outcomes(batch)
        rows = [Notification(reminder_id=rid, user_id=uid, created_at=now)
                for rid, users in per_reminder.items() for uid in users]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        stats.notifications += len(rows)
        urgent = [r for r in notes if r.stage in URGENT_STAGES]
        deliveries = _urgent_deliveries(urgent, per_reminder, wanted, now)
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        if deliveries:
            reminder_ids = [r.pk for r in urgent]
            # Sent after the batch commits, still within this sweep: counted in its summary.
            transaction.on_commit(lambda: deliver_due(reminder_ids=reminder_ids, stats=stats))
        return len(batch)


def _urgent_deliveries(urgent: list[Reminder], per_reminder: dict[int, set[int]], wanted: set[str],
                       now: dt.datetime) -> list[Delivery]:
    """E-mail to each recipient with an address, one robot message per organisation channel, for urgent stages."""
    user_ids = {u for r in urgent for u in per_reminder.get(r.pk, ())}
    emails = (dict(User.objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
              if Channel.EMAIL in wanted and user_ids else {})
    robots = _robots_by_user(user_ids, wanted & set(ROBOT_CHANNELS))
    rows = []
    for reminder in urgent:
        seen_robots = set()
        for uid in sorted(per_reminder.get(reminder.pk, ())):
            if uid in emails:
                rows.append(Delivery(channel=Channel.EMAIL, target=emails[uid], reminder=reminder, user_id=uid,
                                     next_attempt_at=now, created_at=now))
            for robot in robots.get(uid, []):
                if robot.pk not in seen_robots:
                    seen_robots.add(robot.pk)
                    rows.append(Delivery(channel=robot.channel, target=str(robot)[:200], reminder=reminder,
                                         org_channel=robot, next_attempt_at=now, created_at=now))
    return rows


def build_digests(now: dt.datetime, stats: SweepStats | None = None) -> int:
    """One e-mail per person per day gathering the blue/yellow reminders not yet in a digest."""
    local = timezone.localtime(now)
    if local.hour < getattr(settings, "REMINDER_DIGEST_HOUR", 8):
        return 0
    today = local.date()
    waiting = Notification.objects.filter(digest__isnull=True, read_at__isnull=True,
                                          reminder__stage__in=[Stage.BLUE, Stage.YELLOW])
    with transaction.atomic():
        users = dict(User.objects.filter(pk__in=waiting.values("user_id")).exclude(email="")
                     .values_list("pk", "email"))
        if not users:
            return 0
        Delivery.objects.bulk_create(
            [Delivery(channel=Channel.DIGEST, target=email, user_id=uid, digest_date=today, next_attempt_at=now,
                      created_at=now) for uid, email in users.items()], ignore_conflicts=True)
        open_digest = Delivery.objects.filter(channel=Channel.DIGEST, digest_date=today, user_id=OuterRef("user_id"),
                                              status=DeliveryStatus.PENDING, attempts=0)
        # Items arriving after today's digest went out wait for tomorrow's.
        (waiting.filter(user_id__in=users).filter(Exists(open_digest))
         .update(digest_id=open_digest.values("id")[:1]))
    count = Delivery.objects.filter(channel=Channel.DIGEST, digest_date=today, created_at=now).count()
    if stats is not None:
        stats.digests += count
    return count


def _claim(now: dt.datetime, only: Q) -> list[Delivery]:
    """Mark a batch of due deliveries as being sent (committed before any is sent)."""
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(status=DeliveryStatus.SENDING,
                                                                          claimed_at__lt=now - LEASE)
    with transaction.atomic():
        query = Delivery.objects.select_for_update(skip_locked=True).filter(due).filter(only)
        candidates = list(query.order_by("next_attempt_at", "id")[:DELIVERY_BATCH])
        claimed = []
        for d in candidates:
            # Conditional UPDATE: of two sweeps that read the same row (SQLite has no row locks) only one wins.
            won = Delivery.objects.filter(pk=d.pk, status=d.status, attempts=d.attempts).update(
                status=DeliveryStatus.SENDING, claimed_at=now, attempts=d.attempts + 1)
            if won:
                d.status, d.claimed_at, d.attempts = DeliveryStatus.SENDING, now, d.attempts + 1
                claimed.append(d)
    return claimed


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failed ones: 1, 2, 4, 8, 16 minutes."""
    return BACKOFF_BASE * (2 ** (attempts - 1))


def deliver_due(*, now: dt.datetime | None = None, stats: SweepStats | None = None,
                reminder_ids: list[int] | None = None, delivery_ids: list[int] | None = None,
                should_stop: Callable[[], bool] = lambda: False) -> None:
    """Send every due delivery (or only those of some reminders, or some deliveries), recording each outcome."""
    now = now or timezone.now()
    only = Q()
    if reminder_ids is not None:
        only &= Q(reminder_id__in=reminder_ids)
    if delivery_ids is not None:
        only &= Q(pk__in=delivery_ids)
    while not should_stop():
        batch = _claim(now, only)
        if not batch:
            return
        for delivery in batch:
            mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=now)
            try:
                channels.send(delivery)
            except channels.NothingToSend as exc:
                mine.update(status=DeliveryStatus.CANCELLED, last_error=str(exc), next_attempt_at=None)
                continue
            except channels.DeliveryError as exc:
                failed = delivery.attempts >= MAX_ATTEMPTS
                mine.update(status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
                            last_error=str(exc)[:1000],
                            next_attempt_at=None if failed else now + backoff(delivery.attempts))
                log.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
                if stats is not None:
                    stats.failed += 1
                continue
            mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
            if stats is not None:
                stats.sent += 1


def run_sweep(now: dt.datetime | None = None, *, should_stop: Callable[[], bool] = lambda: False,
              escalate: bool = True) -> SweepStats:
    """One pass: produce new stages, fan them out (escalating where due), build digests, send what is due.

    `escalate=False` leaves the escalation stage for a later sweep (the demo seeds inboxes without acting).
    """
    now = now or timezone.now()
    stats = SweepStats()
    kinds = [k for k in deadline_kinds() if not k.notice]  # notices are written when they happen (notices.py)
    rules = rules_for(kinds)
    active = [(k, rules[k.code]) for k in kinds if rules[k.code].enabled]
    today = timezone.localdate(now)
    started = time.perf_counter()
    for kind, rule in active:
        _produce(kind, rule, stage_windows(today, rule, stats.errors), now, stats, escalate)
    _analyze_after_bulk(sum(stats.created.values()), Reminder)
    stats.seconds["produce"] = time.perf_counter() - started
    started = time.perf_counter()
    for kind, rule in active:
        while not should_stop() and _fan_out_batch(kind, rule, now, stats):
            pass
    _analyze_after_bulk(stats.notifications, Notification)
    stats.seconds["fan_out"] = time.perf_counter() - started
    started = time.perf_counter()
    for kind in kinds:
        stats.read_done += notifications_read_when_done(kind=kind)
    stats.seconds["read_done"] = time.perf_counter() - started
    if should_stop():
        return stats
    started = time.perf_counter()
    build_digests(now, stats)
    deliver_due(now=now, stats=stats, should_stop=should_stop)
    stats.seconds["deliver"] = time.perf_counter() - started
    return stats


def _analyze_after_bulk(rows: int, model) -> None:
    """Refresh the planner's statistics after a large batch (PostgreSQL).

    Without it the next sweep, a minute later and before autovacuum gets to the table, plans its anti-joins for an
    empty table: a nested loop that took 75 s over 20,000 overdue items in the benchmark instead of well under one.
    """
    if rows >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
