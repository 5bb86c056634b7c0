"""联合约谈: who interviewed whom on which problems; each commitment becomes a rectification item (through the
rectification service) or a task of a body at the table due in working days, watched like a 会商 decision and done
by that body; refusals change nothing; only the bodies at the table see it."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from qingshan.access.collaboration import visible_interviews
from qingshan.audit.models import AuditEvent
from qingshan.collaboration import interviews as services
from qingshan.collaboration.choices import CommitmentWay, TaskState
from qingshan.collaboration.interviews import Party
from qingshan.collaboration.models import Commitment, Interview, Task
from qingshan.collaboration.services import task_complete
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.worklist import work_queues
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.rectification.models import Item
from qingshan.rectification.testing.flows import add_rect_world


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return add_rect_world(world)


def interview(w, problems=()):
    return services.interview_create(
        actor=w.officer, title="青山河排污问题联合约谈", held_on=dt.date(2026, 3, 2), place="市纪委监委会议室",
        interviewers=[Party(w.office, "李监督", "第一监督检查室副主任"), Party(w.partner, "林攻坚", "攻坚办主任")],
        interviewees=[Party(w.eco, "钱局长", "局长"), Party(w.water, "冯水务", "副局长")],
        problem_numbers=[p.number for p in problems], record="通报问题，被约谈单位作出整改承诺。")


def test_the_record_says_who_interviewed_whom(w):
    problem = drive_to(w, "dispatched")
    iv = interview(w, [problem])
    sides = list(iv.parties.values_list("side", "organisation__name", "person", "post"))
    assert ("interviewer", "第一监督检查室", "李监督", "第一监督检查室副主任") in sides
    assert ("interviewee", "市生态环境局", "钱局长", "局长") in sides and len(sides) == 4
    assert list(iv.problems.all()) == [problem]
    assert AuditEvent.objects.filter(object_type="collaboration.interview", action="create").count() == 1


def test_a_commitment_on_a_problem_becomes_a_rectification_item(w):
    problem = drive_to(w, "dispatched")
    iv = interview(w, [problem])
    commitment = services.interview_commit(actor=w.officer, interview=iv, text="三个月内完成排口截污改造",
                                           way=CommitmentWay.RECTIFICATION, days=20, problem_number=problem.number,
                                           campaign=w.campaign)
    item = commitment.rectification_item
    assert item.problem == problem and item.lead_unit == w.eco and item.number.startswith("ZG-2026-")
    assert item.deadline == commitment.deadline == dt.date(2026, 3, 30)  # 20 working days from Monday 03-02


def test_a_commitment_becomes_a_task_the_body_finds_and_reports_done(w):
    iv = interview(w)
    commitment = services.interview_commit(actor=w.officer, interview=iv, text="每周报送整改进度", days=5,
                                           way=CommitmentWay.TASK, assignee=w.water)
    task = commitment.task
    assert task.assignee == w.water and task.deadline == dt.date(2026, 3, 9) and task.interview == iv
    queue = next(q for q in work_queues(user=w.water_handler) if q.key == "consultation_tasks")
    assert list(queue.queryset) == [task]
    task_complete(actor=w.water_handler, task=task, result="已按周报送。")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.on_time is True


@pytest.mark.parametrize("change, message", [
    ({"way": CommitmentWay.RECTIFICATION, "problem_number": ""}, "建立整改事项须选择本次约谈涉及的问题"),
    ({"way": CommitmentWay.RECTIFICATION, "campaign": None}, "请选择整改事项所属的整改工作"),
    ({"way": CommitmentWay.TASK, "assignee": "eco_not_at_table"}, "承办单位须为参加约谈的单位"),
    ({"problem_number": "WT-2026-999999"}, "不是本次约谈涉及的问题"),
    ({"days": 0}, "完成期限应为 1 至 250 个工作日"),
    ({"text": " "}, "请填写整改承诺"),
])
def test_a_bad_commitment_is_refused_in_chinese_and_changes_nothing(w, change, message):
    problem = drive_to(w, "dispatched")
    iv = interview(w, [problem])
    args = {"text": "整改", "way": CommitmentWay.RECTIFICATION, "days": 10, "problem_number": problem.number,
            "campaign": w.campaign, "assignee": w.eco} | change
    if args["assignee"] == "eco_not_at_table":
        args["assignee"] = w.lvshui_housing
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match=message):
        services.interview_commit(actor=w.officer, interview=iv, **args)
    assert not Commitment.objects.exists() and not Item.objects.exists() and not Task.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_bad_record_is_refused(w):
    with pytest.raises(ServiceError, match="被约谈方的每一位都须写明单位、姓名和职务"):
        services.interview_create(actor=w.officer, title="约谈", held_on=dt.date(2026, 3, 2), record="记录",
                                  interviewers=[Party(w.office, "李监督", "副主任")],
                                  interviewees=[Party(w.eco, "钱局长", "")])
    with pytest.raises(PermissionRefused):
        services.interview_create(actor=w.eco_head, title="约谈", held_on=dt.date(2026, 3, 2), record="记录",
                                  interviewers=[Party(w.office, "李监督", "副主任")],
                                  interviewees=[Party(w.eco, "钱局长", "局长")])
    assert not Interview.objects.exists()


def test_only_the_leading_body_records_commitments(w):
    iv = interview(w)
    for actor in (w.eco_head, w.partner_staff, w.group_staff):
        with pytest.raises(PermissionRefused):
            services.interview_commit(actor=actor, interview=iv, text="x", way=CommitmentWay.TASK, days=5,
                                      assignee=w.eco)
    assert not Commitment.objects.exists()


def test_the_bodies_at_the_table_see_it_others_do_not(w):
    iv = interview(w)
    seeing = {name for name in ("officer", "eco_head", "water_handler", "partner_staff", "leader", "housing_handler",
                                "district_staff", "outsider")
              if visible_interviews(getattr(w, name)).filter(pk=iv.pk).exists()}
    assert seeing == {"officer", "eco_head", "water_handler", "partner_staff", "leader"}


def test_record_and_commit_from_the_pages(w):
    client = Client()
    client.force_login(w.officer)
    response = client.post(reverse("collaboration:interview_create"), {
        "title": "黑臭水体整治联合约谈", "held_on": "2026-03-02", "place": "",
        "interviewers": "第一监督检查室，李监督，副主任\n市污染防治攻坚办，林攻坚，主任",
        "interviewees": "市水务局，冯水务，副局长", "problems": "", "record": "约谈记录"}, follow=True)
    page = response.content.decode()
    assert "冯水务" in page and "被约谈方" in page
    iv = Interview.objects.get()
    response = client.post(reverse("collaboration:interview_commit", args=[iv.pk]), {
        "text": "十个工作日内完成清淤", "way": "task", "days": "10", "assignee": str(w.water.pk)}, follow=True)
    assert "已交市水务局办理，期限 2026-03-16" in response.content.decode()
    bad = client.post(reverse("collaboration:interview_create"), {
        "title": "x", "held_on": "2026-03-02", "interviewers": "不存在的单位，张三，科长",
        "interviewees": "市水务局，冯水务，副局长", "record": "r"})
    assert bad.status_code == 400 and "没有名为“不存在的单位”的单位" in bad.content.decode()
    assert Interview.objects.count() == 1
