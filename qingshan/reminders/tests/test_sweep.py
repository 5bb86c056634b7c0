"""Stages under time travel across holidays and make-up days; escalation; exactly once; a sweep killed half-way."""
import datetime as dt

import pytest
from django.db.models import Count

from qingshan.audit.models import AuditEvent
from qingshan.problems import services as problem_services
from qingshan.problems.choices import EscalationLevel
from qingshan.problems.models import Problem
from qingshan.problems.testing.world import pdf
from qingshan.reminders import sweep
from qingshan.reminders.choices import ReminderStatus, Stage
from qingshan.reminders.models import Notification, Reminder, ReminderRule
from qingshan.reminders.registry import kind_by_code
from qingshan.reminders.sweep import stage_windows

D = dt.date


def stages(problem, kind="problems.handle"):
    return list(Reminder.objects.filter(kind=kind, object_id=problem.pk).order_by("id").values_list("stage", flat=True))


def test_rules_are_created_from_each_kinds_defaults_on_first_sight(world, sweep_at):
    sweep_at(D(2026, 3, 2))
    handle = ReminderRule.objects.get(kind="problems.handle")
    assert (handle.label, handle.blue_days, handle.escalate_after_days, handle.escalate_after_urges) == (
        "办理期限", 2, 3, 3)
    assert set(ReminderRule.objects.values_list("kind", flat=True)) >= {
        "problems.sign", "problems.handle", "problems.extension"}


def test_stages_across_national_day_2026_count_the_make_up_saturday(world, dispatch, sweep_at):
    # Deadline Fri 9 Oct 2026: holiday 1–7 Oct, 8–9 Oct working, Sat 10 Oct a make-up working day.
    problem = dispatch(D(2026, 10, 9))
    sweep_at(D(2026, 9, 29))  # three working days before (30 Sep, 8 Oct, 9 Oct): not yet
    assert stages(problem) == []
    sweep_at(D(2026, 9, 30))  # two working days before, across the whole Golden Week
    assert stages(problem) == [Stage.BLUE]
    sweep_at(D(2026, 10, 5))  # during the holiday: still blue, nothing new
    sweep_at(D(2026, 10, 9))
    assert stages(problem) == [Stage.BLUE, Stage.YELLOW]
    sweep_at(D(2026, 10, 10))  # the make-up Saturday: overdue by one working day
    assert stages(problem) == [Stage.BLUE, Stage.YELLOW, Stage.RED]
    sweep_at(D(2026, 10, 12))  # second overdue working day (Sunday 11 Oct is off)
    assert Problem.objects.get(pk=problem.pk).escalation_level == EscalationLevel.NONE
    sweep_at(D(2026, 10, 13))  # third: 10, 12, 13 Oct
    assert stages(problem) == [Stage.BLUE, Stage.YELLOW, Stage.RED, Stage.ESCALATED]
    assert Problem.objects.get(pk=problem.pk).escalation_level == EscalationLevel.RED


def test_blue_window_before_spring_festival_2026_counts_the_make_up_saturday(world):
    rule = ReminderRule(kind="x", label="x", blue_days=2, escalate_after_days=3)
    # Deadline Tue 24 Feb 2026, the first working day after 春节 (15–23 Feb off, Sat 14 Feb a make-up day).
    assert stage_windows(D(2026, 2, 13), rule).blue_until >= D(2026, 2, 24)  # 14 Feb and 24 Feb: two days
    assert stage_windows(D(2026, 2, 12), rule).blue_until < D(2026, 2, 24)  # 13, 14, 24 Feb: three
    # Overdue since 13 Feb: escalated only on the third working day after it (14 Feb, 24 Feb, 25 Feb).
    assert stage_windows(D(2026, 2, 24), rule).escalate_on_or_before < D(2026, 2, 13)
    assert stage_windows(D(2026, 2, 25), rule).escalate_on_or_before == D(2026, 2, 13)


def test_overdue_problem_gets_red_then_is_escalated_by_the_system_with_an_audit_event(world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20))  # a Friday
    sweep_at(D(2026, 3, 23))
    assert stages(problem) == [Stage.RED]
    assert set(Notification.objects.filter(reminder__object_id=problem.pk).values_list("user__username", flat=True)
               ) == {"eco_handler", "eco_head"}
    sweep_at(D(2026, 3, 25))  # 23, 24, 25 Mar: three overdue working days
    assert stages(problem) == [Stage.RED, Stage.ESCALATED]
    problem.refresh_from_db()
    assert problem.escalation_level == EscalationLevel.RED
    event = AuditEvent.objects.get(object_type="problems.problem", object_id=problem.pk, action="escalate")
    assert event.actor_id is None and event.actor_name == "系统"
    assert event.payload["level"] == EscalationLevel.RED and "系统按提醒规则提级督办" in event.reason
    # The escalation goes to the supervising body's leaders, not to the unit.
    escalated = Notification.objects.filter(reminder__stage=Stage.ESCALATED, reminder__object_id=problem.pk)
    assert set(escalated.values_list("user__username", flat=True)) == {"office_head", "leader"}


def test_escalation_after_k_urgings_without_answer(world, dispatch, sweep_at, time_machine):
    problem = dispatch(D(2026, 3, 23))
    for n in range(2):
        problem_services.problem_urge(actor=world.officer, problem=problem, note=f"第{n + 1}次催办")
    sweep_at(D(2026, 3, 5))
    assert stages(problem) == []
    problem_services.problem_urge(actor=world.officer, problem=problem, note="第3次催办")
    sweep_at(D(2026, 3, 5))
    assert stages(problem) == [Stage.ESCALATED]
    assert Problem.objects.get(pk=problem.pk).escalation_level == EscalationLevel.RED


def test_an_already_red_escalation_is_noted_not_repeated(world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20))
    problem_services.problem_escalate(actor=world.officer, problem=problem, level=EscalationLevel.RED, reason="重点")
    sweep_at(D(2026, 3, 25))
    reminder = Reminder.objects.get(object_id=problem.pk, stage=Stage.ESCALATED)
    assert reminder.note == "未提级：督办等级只能提高。"
    assert AuditEvent.objects.filter(object_id=problem.pk, action="escalate").count() == 1


def test_a_disabled_rule_produces_nothing(world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20))
    sweep_at(D(2026, 3, 2))
    ReminderRule.objects.filter(kind="problems.handle").update(enabled=False)
    sweep_at(D(2026, 3, 23))
    assert stages(problem) == []


def test_sweeping_twice_produces_nothing_new(world, dispatch, sweep_at):
    problems = [dispatch(D(2026, 3, 20)) for _ in range(3)]
    first = sweep_at(D(2026, 3, 23))
    counts = (Reminder.objects.count(), Notification.objects.count())
    second = sweep_at(D(2026, 3, 23))
    assert first.created[Stage.RED] == 3 and sum(second.created.values()) == 0
    assert (Reminder.objects.count(), Notification.objects.count()) == counts == (3, 6)
    assert len(problems) == 3


def test_an_extension_restarts_the_stages_for_the_new_deadline(world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20))
    sweep_at(D(2026, 3, 23))
    Problem.objects.filter(pk=problem.pk).update(handle_deadline=D(2026, 3, 25))  # as an approved extension would
    sweep_at(D(2026, 3, 23))
    assert list(Reminder.objects.filter(object_id=problem.pk, kind="problems.handle").order_by("id")
                .values_list("stage", "deadline")) == [(Stage.RED, D(2026, 3, 20)), (Stage.BLUE, D(2026, 3, 25))]


def test_a_closed_item_is_not_reminded(world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20))
    problem_services.problem_start(actor=world.eco_handler, problem=problem)
    problem_services.problem_reply(actor=world.eco_handler, problem=problem, text="已整改完毕。", files=[pdf()])
    sweep_at(D(2026, 3, 23))
    assert stages(problem) == []


def test_a_pending_extension_reminds_the_supervisors_before_the_old_deadline(world, dispatch, sweep_at, time_machine):
    problem = dispatch(D(2026, 3, 20))
    time_machine.move_to(sweep.timezone.now(), tick=False)
    problem_services.problem_request_extension(actor=world.eco_handler, problem=problem,
                                               requested_deadline=D(2026, 3, 31), reason="需要第三方检测")
    sweep_at(D(2026, 3, 19))
    reminder = Reminder.objects.get(kind="problems.extension")
    titles = kind_by_code()["problems.extension"].titles(world.officer, [reminder.object_id])
    assert reminder.stage == Stage.BLUE and "申请延至2026-03-31" in titles[reminder.object_id]
    assert set(reminder.notifications.values_list("user__username", flat=True)) == {"officer", "office_head"}


def test_a_sweep_killed_half_way_is_completed_by_the_next_without_duplicates(world, dispatch, sweep_at,
                                                                           monkeypatch):
    for _ in range(7):
        dispatch(D(2026, 3, 20))
    monkeypatch.setattr(sweep, "BATCH_SIZE", 2)
    handled = []

    def die_after_five(reminder):
        handled.append(reminder.pk)
        if len(handled) == 5:
            raise RuntimeError("进程被杀")

    monkeypatch.setattr(sweep, "checkpoint", die_after_five)
    with pytest.raises(RuntimeError):
        sweep_at(D(2026, 3, 23))
    # Two batches of two committed; the third rolled back whole.
    assert Reminder.objects.filter(status=ReminderStatus.DONE).count() == 4
    assert Notification.objects.count() == 8
    monkeypatch.setattr(sweep, "checkpoint", lambda reminder: None)
    sweep_at(D(2026, 3, 23))
    assert Reminder.objects.filter(status=ReminderStatus.DONE).count() == Reminder.objects.count() == 7
    assert Notification.objects.count() == 14
    assert not Notification.objects.values("reminder", "user").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_blue_waits_when_its_window_reaches_a_year_without_calendar_and_the_sweep_says_so(world, dispatch,
                                                                                          sweep_at):
    soon, due = dispatch(D(2026, 12, 31)), dispatch(D(2026, 12, 30))
    stats = sweep_at(D(2026, 12, 30))  # the blue window reaches into 2027, which has no holiday table
    assert stages(soon) == [] and stages(due) == [Stage.YELLOW]
    assert any("2027年的节假日安排尚未录入" in e and "蓝色提醒暂停" in e for e in stats.errors)
    assert "注意：" in stats.summary()
