"""会商: convened with an agenda, minutes recorded, decisions become tasks with deadlines, the assignee reports them
done, the convener closes; who may do what and who sees what; a refusal changes nothing."""
import datetime as dt

import pytest
from django.test import Client

from qingshan.access.collaboration import visible_consultations
from qingshan.audit.models import AuditEvent
from qingshan.collaboration import services
from qingshan.collaboration.choices import ConsultationState, TaskState
from qingshan.collaboration.models import Task
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.worklist import work_queues
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return world


def convene(w, **kwargs):
    problem = new_problem(w)
    consultation = services.consultation_create(
        actor=w.officer, title="青山河排污问题信息共享会商", held_on=dt.date(2026, 3, 3), place="市纪委三楼会议室",
        participants=[w.eco, w.partner], problem_numbers=[problem.number], **kwargs)
    return consultation, problem


def test_the_whole_loop(w):
    consultation, problem = convene(w)
    assert consultation.convened_by == w.office and consultation.state == ConsultationState.PLANNED
    assert [a.problem for a in consultation.agenda.all()] == [problem]
    services.consultation_record(actor=w.officer, consultation=consultation, attendees="李监督、钱局长、林攻坚",
                                 minutes="通报青山河排污口情况，研究联合执法。")
    task = services.consultation_decide(actor=w.officer, consultation=consultation, text="一周内完成排口溯源",
                                        assignee=w.eco, days=5, problem_number=problem.number)
    assert task.deadline == dt.date(2026, 3, 9) and task.problem == problem  # five working days from Monday 03-02
    with pytest.raises(ServiceError, match="还有 1 项决定事项未完成"):
        services.consultation_close(actor=w.officer, consultation=consultation)
    services.task_complete(actor=w.eco_handler, task=task, result="已完成溯源，排口属青山化工。")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.on_time is True
    closed = services.consultation_close(actor=w.officer, consultation=consultation)
    assert closed.state == ConsultationState.CLOSED
    actions = list(AuditEvent.objects.filter(object_type__startswith="collaboration.").values_list("action", flat=True))
    assert actions == ["create", "record", "decide", "complete", "close"]


@pytest.mark.parametrize("who, action", [
    ("eco_handler", "record"), ("partner_staff", "decide"), ("group_staff", "close"), ("officer", "complete"),
    ("water_handler", "complete"),
])
def test_refusals_change_nothing_and_write_no_event(w, who, action):
    consultation, _ = convene(w)
    services.consultation_record(actor=w.officer, consultation=consultation, attendees="甲", minutes="乙")
    task = services.consultation_decide(actor=w.officer, consultation=consultation, text="溯源", assignee=w.eco, days=5)
    events = AuditEvent.objects.count()
    actor = getattr(w, who)
    with pytest.raises(PermissionRefused):
        if action == "record":
            services.consultation_record(actor=actor, consultation=consultation, attendees="x", minutes="y")
        elif action == "decide":
            services.consultation_decide(actor=actor, consultation=consultation, text="x", assignee=w.eco, days=3)
        elif action == "close":
            services.consultation_close(actor=actor, consultation=consultation)
        else:
            services.task_complete(actor=actor, task=task, result="完成")
    assert AuditEvent.objects.count() == events
    assert Task.objects.count() == 1 and Task.objects.get().state == TaskState.OPEN


def test_bad_input_is_refused_in_chinese(w):
    consultation, _ = convene(w)
    with pytest.raises(ServiceError, match="会商召开并记录纪要后"):
        services.consultation_decide(actor=w.officer, consultation=consultation, text="x", assignee=w.eco, days=3)
    services.consultation_record(actor=w.officer, consultation=consultation, attendees="甲", minutes="乙")
    with pytest.raises(ServiceError, match="承办单位须为参加会商的单位"):
        services.consultation_decide(actor=w.officer, consultation=consultation, text="x", assignee=w.water, days=3)
    with pytest.raises(ServiceError, match="不存在或无权查看"):
        services.consultation_create(actor=w.officer, title="x", held_on=dt.date(2026, 3, 3), participants=[w.eco],
                                     problem_numbers=["QS-2026-999999"])


def test_who_sees_a_consultation_and_whose_worklist_has_its_task(w):
    consultation, _ = convene(w)
    services.consultation_record(actor=w.officer, consultation=consultation, attendees="甲", minutes="乙")
    services.consultation_decide(actor=w.officer, consultation=consultation, text="溯源", assignee=w.eco, days=5)
    for user in (w.officer, w.leader, w.eco_handler, w.partner_staff):
        assert consultation in visible_consultations(user), user
    for user in (w.water_handler, w.housing_handler, w.district_staff):
        assert consultation not in visible_consultations(user), user
    queue = next(q for q in work_queues(user=w.eco_handler) if q.key == "consultation_tasks")
    assert queue.queryset.count() == 1
    assert not any(q.key == "consultation_tasks" for q in work_queues(user=w.water_handler))
    outsider = Client()
    outsider.force_login(w.water_handler)
    assert outsider.get(f"/collaboration/{consultation.pk}/").status_code == 404
