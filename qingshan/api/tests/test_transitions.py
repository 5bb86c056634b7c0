"""Every transition through the API: done by a role the table allows, refused (and nothing recorded) for another."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from qingshan.problems import services
from qingshan.problems.choices import Action, ExtensionStatus, State
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import png
from qingshan.problems.transitions import PROBLEM_ACTIONS
from qingshan.reminders.models import Notification

from .utils import assert_error, events_of

SUPERVISORS_ONLY = "只有负责督办该问题的纪检监察机构人员可以{}。"
LEAD_UNIT_ONLY = "只有该问题主办单位的经办人或负责人可以{}。"
LEADERS_ONLY = "只有对该问题有管辖权的委领导可以{}。"


def _transferred(w):
    problem = drive_to(w, State.IN_PROGRESS)
    services.problem_share(actor=w.officer, problem=problem, partner=w.partner, reason="需攻坚办协调")
    return problem


def _told(problem) -> set[str]:
    return set(Notification.objects.filter(reminder__object_id=problem.pk).values_list("user__username", flat=True))


def _pending_extension(w):
    problem = drive_to(w, State.IN_PROGRESS)
    services.problem_request_extension(actor=w.eco_handler, problem=problem, reason="需第三方检测",
                                       requested_deadline=problem.handle_deadline + dt.timedelta(days=20))
    return problem


@dataclass
class Case:
    endpoint: str
    setup: Callable  # world -> problem
    allowed: str  # world attribute of a user the table allows
    body: Callable  # (world, problem) -> request data
    refused: str  # a user who can see the problem but may not do this
    refusal: str  # the exact Chinese message of the refusal
    audit_action: str
    check: Callable  # (world, problem after) -> None
    multipart: bool = False
    status: int = 200


CASES = [
    Case("dispatch", lambda w: drive_to(w, State.RECEIVED), "officer",
         lambda w, p: {"lead_unit": w.eco.pk, "co_units": [w.water.pk], "note": "请尽快核查"},
         "readonly", SUPERVISORS_ONLY.format("交办"), Action.DISPATCH,
         lambda w, p: (p.state, p.lead_unit, p.assignments.filter(is_active=True).count())
         == (State.DISPATCHED, w.eco, 2)),
    Case("reassign", lambda w: drive_to(w, State.SIGNED), "officer",
         lambda w, p: {"lead_unit": w.water.pk, "reason": "排口归水务局管理"},
         "eco_handler", SUPERVISORS_ONLY.format("改派"), Action.REASSIGN,
         lambda w, p: (p.state, p.lead_unit, p.reassign_count) == (State.DISPATCHED, w.water, 1)),
    Case("sign", lambda w: drive_to(w, State.DISPATCHED), "eco_handler", lambda w, p: {},
         "water_handler", LEAD_UNIT_ONLY.format("签收"), Action.SIGN,
         lambda w, p: p.state == State.SIGNED and p.signed_on_time is True),
    Case("return", lambda w: drive_to(w, State.DISPATCHED), "eco_head",
         lambda w, p: {"reason": "属水务局职责，依据：三定方案"},
         "officer", LEAD_UNIT_ONLY.format("退回"), Action.RETURN,
         lambda w, p: (p.state, p.lead_unit) == (State.RETURNED, None)),
    Case("start", lambda w: drive_to(w, State.SIGNED), "eco_handler", lambda w, p: {"note": "已安排现场核查"},
         "officer", LEAD_UNIT_ONLY.format("开始办理"), Action.START,
         lambda w, p: p.state == State.IN_PROGRESS),
    Case("request-extension", lambda w: drive_to(w, State.IN_PROGRESS), "eco_handler",
         lambda w, p: {"requested_deadline": str(p.handle_deadline + dt.timedelta(days=20)), "reason": "需第三方检测"},
         "water_handler", LEAD_UNIT_ONLY.format("申请延期"), Action.REQUEST_EXTENSION,
         lambda w, p: p.extensions.get().status == ExtensionStatus.PENDING),
    Case("decide-extension", _pending_extension, "officer", lambda w, p: {"approve": True},
         "eco_handler", SUPERVISORS_ONLY.format("批准延期"), Action.APPROVE_EXTENSION,
         lambda w, p: p.handle_deadline == p.extensions.get().requested_deadline > p.original_handle_deadline),
    Case("approve-extension", _pending_extension, "officer",
         lambda w, p: {"deadline": str(p.handle_deadline + dt.timedelta(days=10)), "reason": "同意"},
         "eco_handler", SUPERVISORS_ONLY.format("批准延期"), Action.APPROVE_EXTENSION,
         lambda w, p: p.handle_deadline == p.original_handle_deadline + dt.timedelta(days=10)),
    Case("reject-extension", _pending_extension, "officer", lambda w, p: {"reason": "理由不充分"},
         "eco_handler", SUPERVISORS_ONLY.format("不予延期"), Action.REJECT_EXTENSION,
         lambda w, p: (p.extensions.get().status, p.handle_deadline)
         == (ExtensionStatus.REJECTED, p.original_handle_deadline)),
    Case("reply", lambda w: drive_to(w, State.IN_PROGRESS), "eco_handler",
         lambda w, p: {"text": "已封堵排口", "files": [png("封堵后.png"), png("处罚决定.png")]},
         "officer", LEAD_UNIT_ONLY.format("申请办结"), Action.REPLY,
         lambda w, p: (p.state, p.reply_text, p.attachments.filter(purpose="evidence").count())
         == (State.REPLIED, "已封堵排口", 2), multipart=True),
    Case("review", lambda w: drive_to(w, State.REPLIED), "officer", lambda w, p: {"decision": "approve"},
         "eco_handler", SUPERVISORS_ONLY.format("审核通过办结"), Action.APPROVE,
         lambda w, p: p.state == State.CLOSED and p.closed_at is not None),
    Case("approve", lambda w: drive_to(w, State.REPLIED), "officer", lambda w, p: {"comment": "同意办结"},
         "eco_handler", SUPERVISORS_ONLY.format("审核通过办结"), Action.APPROVE,
         lambda w, p: p.state == State.CLOSED and p.closed_on_time is True),
    Case("approve-stage", lambda w: drive_to(w, State.REPLIED), "group_staff", lambda w, p: {},
         "eco_handler", SUPERVISORS_ONLY.format("阶段性办结"), Action.APPROVE_STAGE,
         lambda w, p: p.state == State.STAGE_CLOSED),
    Case("reject", lambda w: drive_to(w, State.REPLIED), "officer", lambda w, p: {"comment": "佐证不足"},
         "eco_handler", SUPERVISORS_ONLY.format("发回重办"), Action.REJECT,
         lambda w, p: (p.state, p.rejection_count) == (State.IN_PROGRESS, 1)),
    Case("revisit", lambda w: drive_to(w, State.CLOSED), "officer",
         lambda w, p: {"satisfied": True, "resolved": False, "note": "群众反映仍有异味"},
         "eco_handler", SUPERVISORS_ONLY.format("回访"), Action.REVISIT,
         lambda w, p: (p.state, p.revisit_satisfied, p.revisit_resolved) == (State.REVISITED, True, False)),
    Case("urge", lambda w: drive_to(w, State.DISPATCHED), "officer", lambda w, p: {"note": "请今日内签收"},
         "eco_handler", SUPERVISORS_ONLY.format("催办"), Action.URGE, lambda w, p: p.urge_count == 1),
    Case("escalate", lambda w: drive_to(w, State.SIGNED), "group_staff",
         lambda w, p: {"level": 2, "reason": "多次催办未果"},
         "eco_handler", SUPERVISORS_ONLY.format("督办"), Action.ESCALATE, lambda w, p: p.escalation_level == 2),
    Case("merge", lambda w: drive_to(w, State.DISPATCHED), "officer",
         lambda w, p: {"primary": drive_to(w, State.DISPATCHED, title="同一排口的首次反映").pk, "reason": "同一排口"},
         "eco_handler", SUPERVISORS_ONLY.format("并单"), Action.MERGE,
         lambda w, p: p.state == State.MERGED and p.merged_into.title == "同一排口的首次反映"),
    Case("share", lambda w: drive_to(w, State.DISPATCHED), "officer",
         lambda w, p: {"partner": w.partner.pk, "reason": "需攻坚办协调"},
         "eco_handler", SUPERVISORS_ONLY.format("移送协作单位"), Action.SHARE,
         lambda w, p: list(p.shares.values_list("partner__name", flat=True)) == ["市污染防治攻坚办"]),
    Case("transfer-clue", lambda w: drive_to(w, State.IN_PROGRESS), "officer",
         lambda w, p: {"reported_unit": w.eco.pk, "reported_name": "钱局长", "reason": "疑似虚报整改"},
         "eco_handler", SUPERVISORS_ONLY.format("移送问题线索"), Action.TRANSFER_CLUE,
         lambda w, p: p.clue_transfers.get().clue.source == "transfer"),
    Case("restrict", lambda w: drive_to(w, State.DISPATCHED), "officer",
         lambda w, p: {"users": [w.office_head.pk, w.eco_handler.pk], "reason": "涉及敏感线索"},
         "eco_handler", SUPERVISORS_ONLY.format("限定知悉范围"), Action.RESTRICT,
         lambda w, p: p.is_restricted and set(p.restricted_to.all()) == {w.officer, w.office_head, w.eco_handler}),
    Case("instruct", lambda w: drive_to(w, State.IN_PROGRESS), "leader", lambda w, p: {"text": "限期整改"},
         "readonly", LEADERS_ONLY.format("批示"), Action.INSTRUCT,
         lambda w, p: _told(p) == {"eco_handler", "eco_head", "officer", "office_head"}),
    Case("leader-escalate", lambda w: drive_to(w, State.IN_PROGRESS), "leader",
         lambda w, p: {"level": 3, "reason": "群众反映强烈"},
         "officer", LEADERS_ONLY.format("领导督办"), Action.LEADER_ESCALATE, lambda w, p: p.escalation_level == 3),
    Case("progress", lambda w: drive_to(w, State.IN_PROGRESS), "water_handler",
         lambda w, p: {"text": "已清淤50米", "files": [png("清淤.png")]},
         "officer", "只有该问题承办单位的经办人或负责人可以报送进展。", Action.PROGRESS,
         lambda w, p: (p.state, list(p.attachments.filter(purpose="progress").values_list("original_name", flat=True)))
         == (State.IN_PROGRESS, ["清淤.png"]), multipart=True),
    Case("partner-reply", _transferred, "partner_staff",
         lambda w, p: {"text": "已联合执法", "files": [png("执法.png")]},
         "eco_handler", "只有该问题已移送的协作单位可以反馈办理结果。", Action.PARTNER_REPLY,
         lambda w, p: list(p.attachments.filter(purpose="partner_reply").values_list("original_name", flat=True))
         == ["执法.png"] and _told(p) == {"officer", "office_head"}, multipart=True),
    Case("attachments", lambda w: drive_to(w, State.DISPATCHED), "eco_handler",
         lambda w, p: {"file": png("排口照片.png"), "purpose": "other"},
         "readonly", "只有督办人员或承办单位可以上传附件。", Action.ATTACH,
         lambda w, p: list(p.attachments.values_list("original_name", flat=True)) == ["排口照片.png"],
         multipart=True, status=201),
]


def _post(client, problem, case, body):
    return client.post(f"/api/problems/{problem.pk}/{case.endpoint}/", body,
                       format="multipart" if case.multipart else "json")


def test_every_action_of_the_transition_table_has_a_tested_endpoint():
    """Each rule's endpoint, and the first version's review/ and decide-extension/ that choose by a field."""
    assert {rule.path for rule in PROBLEM_ACTIONS} | {"review", "decide-extension"} <= {c.endpoint for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.endpoint for c in CASES])
def test_an_allowed_role_performs_the_action(world, api, case):
    problem = case.setup(world)
    before = events_of(problem)
    response = _post(api(getattr(world, case.allowed)), problem, case, case.body(world, problem))
    assert response.status_code == case.status, response.json()
    problem.refresh_from_db()
    assert case.check(world, problem)
    assert events_of(problem) == [*before, case.audit_action]
    body = response.json()
    if case.status == 200:
        assert (body["id"], body["state"], body["state_display"]) == (problem.pk, problem.state,
                                                                      State(problem.state).label)
        if body["problem"] is not None:
            # The answer is the problem as the actor now sees it, its history ending with this action.
            assert body["problem"]["timeline"][-1]["action"] == case.audit_action


@pytest.mark.parametrize("case", CASES, ids=[c.endpoint for c in CASES])
def test_a_role_the_table_does_not_allow_is_refused_and_nothing_changes(world, api, case):
    problem = case.setup(world)
    client = api(getattr(world, case.refused))
    assert client.get(f"/api/problems/{problem.pk}/").status_code == 200, "the refused user must see the problem"
    before_events, before = events_of(problem), _snapshot(problem)
    assert_error(_post(client, problem, case, case.body(world, problem)), 403, message=case.refusal)
    assert events_of(problem) == before_events
    assert _snapshot(problem) == before


def _snapshot(problem):
    problem.refresh_from_db()
    return (problem.state, problem.lead_unit_id, problem.handle_deadline, problem.urge_count,
            problem.escalation_level, problem.is_restricted, problem.merged_into_id, problem.reply_text,
            list(problem.attachments.values_list("pk", flat=True)), list(problem.shares.values_list("pk", flat=True)),
            list(problem.extensions.values_list("pk", "status")))


def test_an_action_in_the_wrong_state_is_refused_with_the_state_named(world, api):
    problem = drive_to(world, State.DISPATCHED)
    before = events_of(problem)
    response = api(world.eco_handler).post(f"/api/problems/{problem.pk}/start/", {}, format="json")
    assert_error(response, 400, message="问题当前状态为“已交办”，不能开始办理。")
    assert events_of(problem) == before


def test_reject_and_stage_closing_through_review(world, api):
    client = api(world.officer)
    rejected = drive_to(world, State.REPLIED)
    response = client.post(f"/api/problems/{rejected.pk}/review/",
                           {"decision": "reject", "comment": "佐证不足", "internal": True}, format="json")
    assert response.json()["state"] == State.IN_PROGRESS
    # The internal comment is for the supervising side only: the unit's timeline does not show it.
    unit_view = api(world.eco_handler).get(f"/api/problems/{rejected.pk}/").json()
    assert "佐证不足" not in str(unit_view["timeline"])
    assert "佐证不足" in str(client.get(f"/api/problems/{rejected.pk}/").json()["timeline"])

    staged = drive_to(world, State.REPLIED)
    response = client.post(f"/api/problems/{staged.pk}/review/", {"decision": "approve_stage"}, format="json")
    assert response.json()["state"] == State.STAGE_CLOSED


def test_an_extension_can_be_refused_with_a_reason(world, api):
    problem = _pending_extension(world)
    response = api(world.officer).post(f"/api/problems/{problem.pk}/decide-extension/",
                                       {"approve": False, "reason": "期限充足"}, format="json")
    assert response.status_code == 200
    extension = problem.extensions.get()
    assert (extension.status, extension.decision_reason) == (ExtensionStatus.REJECTED, "期限充足")
    problem.refresh_from_db()
    assert problem.handle_deadline == problem.original_handle_deadline


def test_reveal_reporter_gives_the_clear_contact_and_logs_why(world, api):
    problem = drive_to(world, State.DISPATCHED, source=world.hotline, reporter_name="张三丰",
                       reporter_phone="13812345678")
    response = api(world.officer).post(f"/api/problems/{problem.pk}/reveal-reporter/", {"reason": "回访核实"},
                                       format="json")
    assert response.status_code == 200
    assert response.json() == {"name": "张三丰", "phone": "13812345678"}
    assert response["Cache-Control"] == "no-store"
    assert events_of(problem)[-1] == Action.REVEAL_REPORTER


def test_reveal_reporter_is_refused_to_a_unit_and_not_logged(world, api):
    problem = drive_to(world, State.DISPATCHED, source=world.hotline, reporter_name="张三丰",
                       reporter_phone="13812345678")
    before = events_of(problem)
    response = api(world.eco_handler).post(f"/api/problems/{problem.pk}/reveal-reporter/", {"reason": "想联系"},
                                           format="json")
    assert_error(response, 403, message="您无权查看该问题来电人的联系方式。")
    assert "张三丰" not in response.content.decode()
    assert events_of(problem) == before
