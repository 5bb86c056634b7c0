"""Issue 15: a leader who receives 提级督办 can act (批示, 督办 at a higher colour, the red list by unit), a unit
reports progress without asking for anything, and the partner body replies on a problem transferred to it."""
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from qingshan.api.testing import issue_test_token
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems import services
from qingshan.problems.choices import Action, AttachmentPurpose, EscalationLevel, State
from qingshan.problems.models import Attachment
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW, png
from qingshan.reminders.choices import Stage
from qingshan.reminders.models import Notification, Reminder, ReminderRule
from qingshan.reminders.selectors import notification_list, with_titles
from qingshan.reminders.sweep import run_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def escalated(w, **kwargs):
    """A problem in progress that the reminder engine's rule escalated to red (提级督办)."""
    problem = drive_to(w, State.IN_PROGRESS, **kwargs)
    return services.problem_escalate(actor=None, problem=problem, level=EscalationLevel.RED,
                                     reason="办理期限超期未办，系统按提醒规则提级督办。")


def inbox(user):
    rows = list(notification_list(user=user, tab="unread"))
    with_titles([n.reminder for n in rows], user=user)
    return rows


def events(problem, action):
    return list(AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk, action=action))


# ---------------------------------------------------------------- 批示


def test_a_leaders_instruction_is_on_the_timeline_and_in_the_handlers_inboxes(world,
                                                                              django_capture_on_commit_callbacks):
    w = world
    w.eco_handler.email = "sun@eco.example"
    w.eco_handler.save()
    problem = escalated(w)

    with django_capture_on_commit_callbacks(execute=True):
        services.problem_instruct(actor=w.leader, problem=problem, text="请生态环境局本周内拿出整改方案。")

    [event] = events(problem, Action.INSTRUCT)
    assert (event.actor_id, event.reason, event.actor_org.name) == (w.leader.pk, "请生态环境局本周内拿出整改方案。",
                                                                     "青山市纪委监委")
    for handler in (w.eco_handler, w.eco_head, w.officer, w.office_head):
        [row] = inbox(handler)
        assert row.reminder.stage == Stage.NOTICE
        assert row.reminder.item_title == f"{problem.number} {problem.title}"
        assert row.reminder.note == "陈书记批示：请生态环境局本周内拿出整改方案。"
    assert inbox(w.leader) == [] and inbox(w.water_handler) == []
    # Urgent: e-mailed at once to those with an address, like a red reminder.
    assert [m.to for m in mail.outbox] == [["sun@eco.example"]]
    assert "陈书记批示" in mail.outbox[0].body


def test_a_second_instruction_brings_the_same_row_back_unread_with_the_new_text(world):
    w = world
    problem = escalated(w)
    services.problem_instruct(actor=w.leader, problem=problem, text="先核实情况。")
    [row] = inbox(w.eco_handler)
    row.read_at = WORLD_NOW
    row.save()
    assert inbox(w.eco_handler) == []

    services.problem_instruct(actor=w.leader, problem=problem, text="核实后立即整改，周五前报告。")

    [row] = inbox(w.eco_handler)
    assert row.reminder.note == "陈书记批示：核实后立即整改，周五前报告。"
    assert Notification.objects.filter(user=w.eco_handler).count() == 1
    assert [e.reason for e in events(problem, Action.INSTRUCT)] == ["先核实情况。", "核实后立即整改，周五前报告。"]


def test_an_empty_instruction_is_refused_and_changes_nothing(world):
    problem = escalated(world)
    with pytest.raises(ServiceError, match="请填写批示内容。"):
        services.problem_instruct(actor=world.leader, problem=problem, text="  ")
    assert events(problem, Action.INSTRUCT) == [] and not Notification.objects.exists()


def test_the_leader_stays_read_only_for_everything_else(world):
    w = world
    problem = escalated(w)
    assert set(services.allowed_actions(w.leader, problem)) == {Action.INSTRUCT}  # red is the top: no higher colour
    with pytest.raises(PermissionRefused):
        services.attachment_add(actor=w.leader, problem=problem, upload=png())
    with pytest.raises(PermissionRefused, match="只有负责督办该问题的纪检监察机构人员可以催办。"):
        services.problem_urge(actor=w.leader, problem=problem, note="快办")
    # Nor may the read-only leader or another district's leader give instructions.
    with pytest.raises(PermissionRefused, match="只有对该问题有管辖权的委领导可以批示。"):
        services.problem_instruct(actor=w.readonly, problem=problem, text="请尽快办理。")


def test_the_detail_page_offers_the_leader_instruct_and_no_upload(client, world):
    problem = escalated(world)
    client.force_login(world.leader)
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert 'data-action="instruct"' in page and 'data-action="urge"' not in page
    assert reverse("problems:attach", args=[problem.pk]) not in page


# ---------------------------------------------------------------- 督办 at a higher colour


def test_a_leader_raises_the_colour_and_the_handlers_are_told(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    services.problem_escalate(actor=w.officer, problem=problem, level=EscalationLevel.YELLOW, reason="临近期限")

    services.problem_leader_escalate(actor=w.leader, problem=problem, level=EscalationLevel.RED, reason="群众反映强烈")

    problem.refresh_from_db()
    assert problem.escalation_level == EscalationLevel.RED
    [event] = events(problem, Action.LEADER_ESCALATE)
    assert event.payload["from_level"] == EscalationLevel.YELLOW and event.reason == "群众反映强烈"
    [row] = inbox(w.eco_handler)
    assert row.reminder.note == "陈书记提级为红色督办：群众反映强烈"
    with pytest.raises(ServiceError, match="督办等级只能提高。"):
        services.problem_leader_escalate(actor=w.leader, problem=problem, level=EscalationLevel.YELLOW, reason="再督")


# ---------------------------------------------------------------- the red list by unit


def test_the_red_list_groups_red_problems_by_unit_with_counts_and_links(client, world):
    w = world
    for _ in range(2):
        escalated(w)
    escalated(w, lead=w.water, handler=w.water_handler)
    drive_to(w, State.IN_PROGRESS, title="未督办的问题")  # not red: not listed
    closed = drive_to(w, State.IN_PROGRESS, title="已办结的红色问题")
    services.problem_escalate(actor=w.officer, problem=closed, level=EscalationLevel.RED, reason="超期")
    services.problem_reply(actor=w.eco_handler, problem=closed, text="已办结", files=[png()])
    services.problem_review(actor=w.officer, problem=closed, decision=Action.APPROVE)

    client.force_login(w.leader)
    response = client.get(reverse("problems:red_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="red-total">3</strong>' in page
    assert page.index("市生态环境局") < page.index("市水务局")  # most first
    assert "未督办的问题" not in page and "已办结的红色问题" not in page
    assert f"lead_unit={w.eco.pk}&amp;escalation_level=3" in page
    assert 'href="/problems/red/"' in page  # in the leader's navigation


def test_the_red_list_is_scoped_like_every_list(client, world):
    w = world
    escalated(w)
    escalated(w, region=w.lvshui, lead=w.lvshui_housing, handler=w.housing_handler)
    client.force_login(w.district_staff)
    page = client.get(reverse("problems:red_list")).content.decode()
    assert '<strong id="red-total">1</strong>' in page and "绿水区住建局" in page and "市生态环境局" not in page


# ---------------------------------------------------------------- 进展


def test_a_unit_posts_progress_with_a_photo_without_asking_for_anything(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    before = problem.handle_deadline

    services.problem_progress(actor=w.water_handler, problem=problem, text="已完成清淤50米。",
                              files=[png("清淤现场.png")])

    problem.refresh_from_db()
    assert (problem.state, problem.handle_deadline, problem.extensions.count()) == (State.IN_PROGRESS, before, 0)
    [event] = events(problem, Action.PROGRESS)
    assert (event.reason, event.payload["attachments"], event.actor_org.name) == (
        "已完成清淤50米。", ["清淤现场.png"], "市水务局")
    assert problem.attachments.get(purpose=AttachmentPurpose.PROGRESS).original_name == "清淤现场.png"
    [row] = inbox(w.officer)
    assert row.reminder.note == "市水务局报送进展：已完成清淤50米。"
    assert inbox(w.eco_handler) == []  # the office is told, not the unit


def test_progress_with_a_renamed_file_is_refused_and_stores_nothing(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    fake = png("现场.png")
    fake.file.write(b"MZ not a picture")
    fake.file.seek(0)
    fake.size = 16
    with pytest.raises(ServiceError, match="内容与扩展名不符"):
        services.problem_progress(actor=w.eco_handler, problem=problem, text="进展", files=[png("好.png"), fake])
    assert not Attachment.objects.filter(purpose=AttachmentPurpose.PROGRESS).exists()
    assert events(problem, Action.PROGRESS) == [] and not Notification.objects.exists()


# ---------------------------------------------------------------- the partner's reply


def test_the_partner_replies_on_a_transferred_problem(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    with pytest.raises(PermissionRefused, match="只有该问题已移送的协作单位可以反馈办理结果。"):
        services.problem_partner_reply(actor=w.partner_staff, problem=problem, text="已查处。")
    services.problem_share(actor=w.officer, problem=problem, partner=w.partner, reason="涉及多部门协作")

    services.problem_partner_reply(actor=w.partner_staff, problem=problem, text="已联合执法，责令停产整治。",
                                   files=[png("执法记录.png")])

    [event] = events(problem, Action.PARTNER_REPLY)
    assert (event.reason, event.actor_org.name) == ("已联合执法，责令停产整治。", "市污染防治攻坚办")
    assert problem.attachments.get(purpose=AttachmentPurpose.PARTNER_REPLY).original_name == "执法记录.png"
    [row] = inbox(w.office_head)
    assert row.reminder.note == "市污染防治攻坚办回复：已联合执法，责令停产整治。"
    # A reply is all the partner may do: no uploads of its own, no other action.
    assert services.allowed_actions(w.partner_staff, problem) == [Action.PARTNER_REPLY]
    with pytest.raises(PermissionRefused):
        services.attachment_add(actor=w.partner_staff, problem=problem, upload=png())


# ---------------------------------------------------------------- the generic API and the reminder engine


def test_the_new_actions_are_on_the_generic_api(world):
    w = world
    problem = escalated(w)
    leader = APIClient()
    leader.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(w.leader)}")
    response = leader.post(f"/api/problems/{problem.pk}/instruct/", {"text": "限期整改。"}, format="json")
    assert response.status_code == 200, response.content
    unit = APIClient()
    unit.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(w.eco_handler)}")
    response = unit.post(f"/api/problems/{problem.pk}/progress/", {"text": "已整改一半。", "files": [png()]},
                         format="multipart")
    assert response.status_code == 200, response.content
    refused = unit.post(f"/api/problems/{problem.pk}/instruct/", {"text": "自己批示"}, format="json")
    assert refused.status_code == 403 and "委领导" in refused.json()["detail"]
    assert [e.action for e in AuditEvent.objects.filter(object_id=problem.pk, action__in=["instruct", "progress"])
            ] == ["instruct", "progress"]


def test_the_sweep_never_produces_notices_and_hides_them_from_who_no_longer_sees_the_problem(world):
    w = world
    problem = escalated(w)
    services.problem_instruct(actor=w.leader, problem=problem, text="请尽快整改。")
    run_sweep()
    assert not ReminderRule.objects.filter(kind__startswith="problems.instruction").exists()
    assert Reminder.objects.filter(stage=Stage.NOTICE).count() == 1

    services.problem_reassign(actor=w.officer, problem=problem, lead_unit=w.water, reason="水务局管理")

    assert inbox(w.eco_handler) == []  # 生态环境局 no longer sees the problem, nor its notices
    assert len(inbox(w.officer)) == 1


def test_the_red_list_query_count_does_not_grow_with_rows(client, world, assert_query_baseline,
                                                          django_assert_max_num_queries):
    w = world
    escalated(w)
    client.force_login(w.leader)
    with assert_query_baseline("red list page") as small:
        client.get(reverse("problems:red_list"))
    for _ in range(3):
        escalated(w)
        escalated(w, lead=w.water, handler=w.water_handler)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("problems:red_list"))
