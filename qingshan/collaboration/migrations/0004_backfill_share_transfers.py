"""Every share of a problem with a partner body made before transfers existed (0003 linked them) gets its
PartnerTransfer, so that the partner's receipt, feedback and chasing apply to it and it is listed with the others.

Derived from what was recorded, nothing invented:
- who sent it and when: the share's shared_by and shared_at; the sending body: the body the sender acted for in the
  share's event on the problem's timeline, else the problem's supervising body;
- the request: the share's reason; the partner's copy: the fields the 移送协作单位 step shares, as they are now (the
  share lets the partner read the whole problem anyway);
- the feedback deadline: 10 working days after the day of the share, counted as the service counts them
  (chinesecalendar, corrected by the admin's table; Monday to Friday in a year neither covers, where the service
  would have refused);
- the state: 已反馈 when the partner replied on the problem after the share (its 反馈办理结果 events: the last reply is
  the result, 按期 is judged by the first, as the service does), else 待签收. No receipt was ever recorded, so none is
  made up (signed_by and signed_at stay empty).
A share whose problem already has an unfinished transfer to that partner without a share (sent from the transfer
list) is attached to it rather than doubled: one open transfer per problem and partner, as the service keeps it.

No audit event is written, as in the earlier backfills (datasets 0003, problems 0006 and 0007): the rows restate
facts the audit chain already holds (the share's and the replies' events). Only rectification 0003, which changed
who must sign, wrote events. The rule is frozen here, so later changes of the app cannot change what this did.
"""
import datetime as dt

import chinese_calendar
from django.db import migrations
from django.utils import timezone

FEEDBACK_DAYS = 10
SENT, RETURNED, ACCEPTED = "sent", "returned", "accepted"
SHARE, PARTNER_REPLY = "share", "partner_reply"


def _calendar(apps):
    """is_working_day(day) as workdays.calendar answers it, over the historical tables."""
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    SpecialDay = apps.get_model("workdays", "SpecialDay")
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    special = {d: kind == "workday" for d, kind in SpecialDay.objects.values_list("date", "kind")}
    builtin = {d.year for d in chinese_calendar.constants.holidays}

    def is_working_day(day: dt.date) -> bool:
        if day in special and (day.year in entered or day.year in builtin):
            return special[day]  # the admin's entry corrects the package, in a year that is counted at all
        if day.year in builtin:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    return is_working_day


def _add_working_days(is_working_day, start: dt.date, days: int) -> dt.date:
    current, remaining = start, days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def _copy(problem) -> dict:
    """The partner's copy: the number and the fields the 移送协作单位 step shares, labelled as the service labels."""
    return {"问题编号": problem.number, "问题标题": problem.title, "问题描述": problem.description,
            "问题类别": problem.category.name, "所在区划": problem.region.name, "具体位置": problem.location}


def backfill_share_transfers(apps, schema_editor) -> tuple[int, int]:
    """Create (or attach) the transfer of every share that has none; returns (created, attached)."""
    Share = apps.get_model("problems", "Share")
    PartnerTransfer = apps.get_model("collaboration", "PartnerTransfer")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    shares = list(Share.objects.filter(transfer__isnull=True)
                  .select_related("problem__category", "problem__region", "partner").order_by("shared_at", "pk"))
    if not shares:
        return 0, 0
    is_working_day = _calendar(apps)
    created = attached = 0
    for share in shares:
        problem, partner = share.problem, share.partner
        open_transfer = (PartnerTransfer.objects.filter(problem=problem, partner=partner, share__isnull=True)
                         .exclude(state=ACCEPTED).order_by("-sent_at", "-pk").first())
        if open_transfer is not None:
            PartnerTransfer.objects.filter(pk=open_transfer.pk).update(share=share)
            attached += 1
            continue
        events = AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk)
        shared_event = (events.filter(action=SHARE, actor_id=share.shared_by_id,
                                      payload__partner=partner.short_name or partner.name)  # as str(partner) was
                        .exclude(actor_org__isnull=True).order_by("seq").first())
        sender_org_id = shared_event.actor_org_id if shared_event else problem.supervising_org_id
        deadline = _add_working_days(is_working_day, timezone.localdate(share.shared_at), FEEDBACK_DAYS)
        replies = list(events.filter(action=PARTNER_REPLY, actor_org_id=partner.pk, created_at__gte=share.shared_at)
                       .order_by("seq").values_list("created_at", "reason"))
        answered = {}
        if replies:
            (first_at, _), (last_at, last_text) = replies[0], replies[-1]
            answered = {"state": RETURNED, "result": last_text, "returned_at": last_at,
                        "on_time": timezone.localdate(first_at) <= deadline}
        PartnerTransfer.objects.create(
            problem=problem, partner=partner, sender_org_id=sender_org_id, shared=_copy(problem),
            request=share.reason, feedback_days=FEEDBACK_DAYS, feedback_deadline=deadline,
            sent_by_id=share.shared_by_id, sent_at=share.shared_at, share=share, **({"state": SENT} | answered))
        created += 1
    return created, attached


def forwards(apps, schema_editor) -> None:
    backfill_share_transfers(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("collaboration", "0003_partner_transfer_share"),
        ("problems", "0008_problem_open_idx"),
        ("audit", "0005_actor_action_index"),
        ("workdays", "0001_initial"),
    ]

    operations = [
        # Not reversed: a transfer, once its partner may have signed or answered it, is a record of its own.
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
