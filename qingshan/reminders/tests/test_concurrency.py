"""Two sweeps at the same time, each with its own database connection: no duplicate and nothing lost."""
import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.db.models import Count

from qingshan.orgs.models import User
from qingshan.problems import services as problem_services
from qingshan.problems.choices import EscalationLevel
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW, build_world
from qingshan.reminders import sweep
from qingshan.reminders.choices import ReminderStatus, Stage
from qingshan.reminders.models import Delivery, Notification, Reminder

from .conftest import at

N = 12


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_on_postgresql_produce_each_reminder_once(time_machine, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; concurrent sweeps need PostgreSQL row locks")
    w = build_world()
    User.objects.filter(pk=w.eco_handler.pk).update(email="sun@eco.example")
    time_machine.move_to(WORLD_NOW, tick=False)
    ids = []
    for _ in range(N):
        problem = problem_services.problem_dispatch(actor=w.officer, problem=new_problem(w), lead_unit=w.eco)
        ids.append(problem.pk)
    Problem.objects.filter(pk__in=ids).update(handle_deadline=dt.date(2026, 3, 13), state="signed")
    monkeypatch.setattr(sweep, "BATCH_SIZE", 3)  # many small batches, so the two sweeps interleave
    now = at(dt.date(2026, 3, 23))  # six working days overdue: red and escalated for every problem
    time_machine.move_to(now, tick=False)
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            sweep.run_sweep(now=now)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert Reminder.objects.filter(stage=Stage.RED).count() == N
    assert Reminder.objects.filter(stage=Stage.ESCALATED).count() == N
    assert not Reminder.objects.exclude(status=ReminderStatus.DONE).exists()
    assert Notification.objects.count() == N * 2 + N * 2  # red: handler + head; escalated: office head + leader
    assert not Notification.objects.values("reminder", "user").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Problem.objects.filter(pk__in=ids, escalation_level=EscalationLevel.RED).count() == N
    from qingshan.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="escalate", object_id__in=ids).count() == N
    assert Delivery.objects.filter(status="sent").count() == N  # one e-mail per red reminder to 孙经办
    assert len(mail.outbox) == N
