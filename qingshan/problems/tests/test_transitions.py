"""The transition table, tried by every role in every state: what it allows works, everything else is refused.

The problems come from drive_to(): registered by 李监督 (第一监督检查室) in the city, dispatched to 市生态环境局 as
lead unit with 市水务局 as co-unit. Who may act on such a problem is stated below as the domain says it (§2, §4).
"""
import datetime as dt

import pytest
from django.db.models import Count, Q

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import ServiceError
from qingshan.core.testing.transitions import TransitionMatrix
from qingshan.problems import services
from qingshan.problems.choices import Action, EscalationLevel, ExtensionStatus, State
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import drive_to, with_pending_extension
from qingshan.problems.testing.world import WORLD_NOW, png
from qingshan.problems.transitions import HANDLING_UNIT, LEADER, PARTNER, PROBLEM_ACTIONS, SUPERVISOR, TRANSITIONS
from qingshan.reminders.models import Notification

ROLES = [
    "officer", "office_head", "xinfang", "group_staff", "district_staff", "leader", "readonly",
    "eco_handler", "eco_head", "water_handler", "housing_handler", "partner_staff", "outsider",
]
# The city commission's offices supervise everything in the city.
CITY_SUPERVISORS = {"officer", "office_head", "xinfang"}
# The group stationed in 市生态环境局 supervises the problem while that bureau is its lead unit.
STATIONED_GROUP = "group_staff"
LEAD_UNIT_PEOPLE = {"eco_handler", "eco_head"}
# The co-unit (市水务局) reports progress with the lead unit, and nothing else.
CO_UNIT_PEOPLE = {"water_handler"}
# The city's commission leader gives instructions (批示) and raises the 督办 level, nothing else; the partner body
# replies on a problem transferred to it. 绿水区纪委 (another district), the read-only leader, other units and a
# person with no role never act on it.
LEADER_ROLE = "leader"
PARTNER_ROLE = "partner_staff"
NO_LEAD_UNIT = {State.RECEIVED, State.RETURNED}


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


def may(role: str, rule, state: str) -> bool:
    """Whether `role` may take `rule`'s action on a drive_to() problem in `state`."""
    if state not in rule.from_states:
        return False
    eco_leads = state not in NO_LEAD_UNIT
    if rule.who == SUPERVISOR:
        return role in CITY_SUPERVISORS or (role == STATIONED_GROUP and eco_leads)
    if rule.who == LEADER:
        return role == LEADER_ROLE
    if rule.who == PARTNER:
        return role == PARTNER_ROLE  # on a problem transferred to it (build() transfers it first)
    if rule.who == HANDLING_UNIT:
        return role in LEAD_UNIT_PEOPLE | CO_UNIT_PEOPLE and eco_leads
    return role in LEAD_UNIT_PEOPLE and eco_leads


def example(w, action: str, problem: Problem) -> dict:
    """A valid input for `action`, as its page form or API endpoint would pass it on, so only the table refuses."""
    base = problem.handle_deadline or WORLD_NOW.date()
    return {
        Action.DISPATCH: lambda: {"lead_unit": w.eco, "co_units": [w.water]},
        Action.REASSIGN: lambda: {"lead_unit": w.water, "reason": "该排口由水务局管理"},
        Action.SIGN: lambda: {},
        Action.RETURN: lambda: {"reason": "不属于本单位职责，依据：三定方案"},
        Action.START: lambda: {},
        Action.REQUEST_EXTENSION: lambda: {"reason": "需协调上游企业停产整治",
                                           "requested_deadline": base + dt.timedelta(days=14)},
        Action.APPROVE_EXTENSION: lambda: {"reason": "同意"},
        Action.REJECT_EXTENSION: lambda: {"reason": "理由不充分"},
        Action.REPLY: lambda: {"text": "已封堵排口。", "files": [png()]},
        Action.APPROVE: lambda: {"comment": "佐证不足，请补充。"},
        Action.APPROVE_STAGE: lambda: {"comment": "佐证不足，请补充。"},
        Action.REJECT: lambda: {"comment": "佐证不足，请补充。"},
        Action.REVISIT: lambda: {"satisfied": True, "resolved": True, "note": "电话回访"},
        Action.URGE: lambda: {"note": "请加快办理"},
        Action.ESCALATE: lambda: {"level": EscalationLevel.YELLOW, "reason": "临近期限"},
        Action.MERGE: lambda: {"primary": w.primary, "reason": "同一排口"},
        Action.SHARE: lambda: {"partner": w.partner, "reason": "涉及多部门协作"},
        Action.TRANSFER_CLUE: lambda: {"reported_unit": w.eco, "reported_name": "钱局长", "reason": "疑似失职失责"},
        Action.RESTRICT: lambda: {"users": [w.office_head], "reason": "涉及敏感人员"},
        Action.INSTRUCT: lambda: {"text": "请主办单位一周内拿出整改方案。"},
        Action.LEADER_ESCALATE: lambda: {"level": EscalationLevel.YELLOW, "reason": "群众反映强烈"},
        Action.PROGRESS: lambda: {"text": "已完成排口封堵，正在清淤。", "files": [png()]},
        Action.PARTNER_REPLY: lambda: {"text": "已联合执法检查，责令停产。", "files": [png()]},
    }[action]()


def build(w, action: str, state: str) -> Problem:
    if action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
        return with_pending_extension(w, state)
    problem = drive_to(w, state)
    if action == Action.PARTNER_REPLY:
        transfer(w, problem)
    return problem


def transfer(w, problem: Problem) -> Problem:
    """移送 the problem to the partner body (it can then reply)."""
    services.problem_share(actor=w.officer, problem=problem, partner=w.partner, reason="涉及多部门协作")
    return problem


def expected_refusal(action: str, state: str) -> str:
    """The message a refused action shows: the state's, else the missing capacity's."""
    rule, label = TRANSITIONS[action], Action(action).label
    if state not in rule.from_states:
        return f"问题当前状态为“{State(state).label}”，不能{label}。"
    if rule.who == SUPERVISOR:
        return f"只有负责督办该问题的纪检监察机构人员可以{label}。"
    if rule.who == LEADER:
        return f"只有对该问题有管辖权的委领导可以{label}。"
    if rule.who == PARTNER:
        return f"只有该问题已移送的协作单位可以{label}。"
    if rule.who == HANDLING_UNIT:
        return f"只有该问题承办单位的经办人或负责人可以{label}。"
    return f"只有该问题主办单位的经办人或负责人可以{label}。"


MATRIX = TransitionMatrix(
    table=PROBLEM_ACTIONS, roles=ROLES, states=list(State.values), may=may, build=build, example=example,
    snapshot=lambda problem: snapshot(problem), events=lambda: AuditEvent.objects.count(), refusal=expected_refusal)
ALLOWED = MATRIX.allowed()


def perform(w, action: str, actor, problem: Problem, *, primary: Problem | None = None):
    """Take `action` through the action table (as the pages and the API do) with valid input."""
    w.primary = primary
    return MATRIX.perform(w, action, actor, problem)


def test_every_field_of_every_input_reaches_its_service():
    """A page form or API field that the service does not take would be silently dropped (the old 签收 说明)."""
    MATRIX.check_inputs_reach_services()


def snapshot(problem: Problem) -> tuple:
    """Everything an action could change on the problem, read back from the database in two queries."""
    related = Problem.objects.filter(pk=problem.pk).annotate(
        active_units=Count("assignments", filter=Q(assignments__is_active=True), distinct=True),
        extension_count=Count("extensions", distinct=True),
        share_count=Count("shares", distinct=True),
        attachment_count=Count("attachments", distinct=True),
        restricted_count=Count("restricted_to", distinct=True),
    ).values("active_units", "extension_count", "share_count", "attachment_count", "restricted_count").get()
    return Problem.objects.filter(pk=problem.pk).values().get(), related


def test_the_table_is_tried_by_supervisors_units_the_leader_and_the_partner():
    """The oracle covers every action: each one is allowed to someone somewhere (no dead rows in the table)."""
    assert {a for a, _, _ in ALLOWED} == set(TRANSITIONS)
    assert {r for _, _, r in ALLOWED} == (CITY_SUPERVISORS | {STATIONED_GROUP} | LEAD_UNIT_PEOPLE | CO_UNIT_PEOPLE
                                          | {LEADER_ROLE, PARTNER_ROLE})


@pytest.mark.parametrize(("action", "state", "role"), ALLOWED, ids=MATRIX.ids(ALLOWED))
def test_allowed_transition_succeeds(world, action, state, role):
    w = world
    actor = getattr(w, role)
    problem = build(w, action, state)
    primary = drive_to(w, State.DISPATCHED, title="主问题") if action == Action.MERGE else None
    events_before = AuditEvent.objects.count()

    perform(w, action, actor, problem, primary=primary)

    problem.refresh_from_db()
    to_state = TRANSITIONS[action].to_state or state
    assert problem.state == to_state
    event = AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk).latest("seq")
    assert (event.action, event.from_state, event.to_state, event.actor_id) == (action, state, to_state, actor.pk)
    # A merge also records on the primary, a transfer also on the clue it became, a share on the partner transfer
    # it sends.
    assert AuditEvent.objects.count() == events_before + (
        2 if action in (Action.MERGE, Action.TRANSFER_CLUE, Action.SHARE) else 1)
    check_effect(w, action, problem, actor, primary)


def check_effect(w, action, problem: Problem, actor, primary):
    """The one thing besides the state that each action is for."""
    today = WORLD_NOW.date()
    if action == Action.DISPATCH:
        assert problem.lead_unit == w.eco
        assert problem.sign_deadline == dt.date(2026, 3, 3)
        assert problem.handle_deadline == problem.original_handle_deadline == dt.date(2026, 3, 23)
    elif action == Action.REASSIGN:
        assert (problem.lead_unit, problem.reassign_count) == (w.water, 1)
    elif action == Action.SIGN:
        assert problem.signed_on_time is True
    elif action == Action.RETURN:
        assert problem.lead_unit is None
        assert not problem.assignments.filter(is_active=True).exists()
    elif action == Action.REQUEST_EXTENSION:
        assert problem.extensions.get().status == ExtensionStatus.PENDING
    elif action == Action.APPROVE_EXTENSION:
        assert problem.extensions.get().status == ExtensionStatus.APPROVED
        assert problem.handle_deadline == problem.original_handle_deadline + dt.timedelta(days=14)
    elif action == Action.REJECT_EXTENSION:
        assert problem.extensions.get().status == ExtensionStatus.REJECTED
        assert problem.handle_deadline == problem.original_handle_deadline
    elif action == Action.REPLY:
        assert problem.replied_on_time is True
        assert problem.attachments.count() == 1
    elif action in (Action.APPROVE, Action.APPROVE_STAGE):
        assert problem.closed_on_time is True
        assert problem.closed_at.date() == today
    elif action == Action.REJECT:
        assert (problem.rejection_count, problem.review_count) == (1, 1)
    elif action == Action.REVISIT:
        assert (problem.revisit_satisfied, problem.revisit_resolved) == (True, True)
    elif action == Action.URGE:
        assert problem.urge_count == 1
    elif action == Action.ESCALATE:
        assert problem.escalation_level == EscalationLevel.YELLOW
    elif action == Action.MERGE:
        assert problem.merged_into == primary
        assert list(primary.duplicates.all()) == [problem]
    elif action == Action.SHARE:
        assert list(problem.shares.values_list("partner", flat=True)) == [w.partner.pk]
        assert list(problem.partner_transfers.values_list("partner", "share__partner")) == [(w.partner.pk,
                                                                                             w.partner.pk)]
    elif action == Action.TRANSFER_CLUE:
        transfer = problem.clue_transfers.get()
        assert (transfer.clue.reported_unit, transfer.clue.source) == (w.eco, "transfer")
    elif action == Action.RESTRICT:
        assert problem.is_restricted
        assert set(problem.restricted_to.all()) == {w.office_head, actor}
    elif action in (Action.INSTRUCT, Action.LEADER_ESCALATE):
        # The handlers find it in their inbox: the lead unit's people (once it has one) and the office in charge.
        told = set(Notification.objects.filter(reminder__object_id=problem.pk).values_list("user__username", flat=True))
        assert {"officer", "office_head"} <= told and "leader" not in told
        assert ({"eco_handler", "eco_head"} <= told) == (problem.lead_unit_id == w.eco.pk)
        if action == Action.LEADER_ESCALATE:
            assert problem.escalation_level == EscalationLevel.YELLOW
    elif action in (Action.PROGRESS, Action.PARTNER_REPLY):
        assert list(problem.attachments.filter(purpose=action).values_list("original_name", flat=True)) == [
            "现场照片.png"]
        told = set(Notification.objects.filter(reminder__object_id=problem.pk).values_list("user__username", flat=True))
        assert told == {"officer", "office_head"}


@pytest.mark.parametrize("role", ROLES)
def test_everything_else_is_refused_and_changes_nothing(world, role):
    w = world
    actor = getattr(w, role)
    w.primary = drive_to(w, State.DISPATCHED, title="主问题")
    MATRIX.check_refusals(w, role, actor)


@pytest.mark.parametrize("role", ROLES)
def test_the_ui_offers_exactly_what_the_table_allows(world, role):
    actor = getattr(world, role)
    for state in State.values:
        problem = drive_to(world, state)
        if role == PARTNER_ROLE and state in TRANSITIONS[Action.SHARE].from_states:
            transfer(world, problem)
        # No extension is pending, so none can be decided.
        offered = set(services.allowed_actions(actor, Problem.objects.get(pk=problem.pk)))
        assert offered == {r.code for r in PROBLEM_ACTIONS if may(role, r, state)} - {
            Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION}, state


@pytest.mark.parametrize(("role", "action", "state", "message"), [
    ("eco_handler", Action.APPROVE, State.REPLIED, "只有负责督办该问题的纪检监察机构人员可以审核通过办结。"),
    ("officer", Action.SIGN, State.DISPATCHED, "只有该问题主办单位的经办人或负责人可以签收。"),
    ("water_handler", Action.REPLY, State.IN_PROGRESS, "只有该问题主办单位的经办人或负责人可以申请办结。"),
    ("leader", Action.URGE, State.IN_PROGRESS, "只有负责督办该问题的纪检监察机构人员可以催办。"),
    ("district_staff", Action.DISPATCH, State.RECEIVED, "只有负责督办该问题的纪检监察机构人员可以交办。"),
    ("eco_handler", Action.REPLY, State.SIGNED, "问题当前状态为“已签收”，不能申请办结。"),
    ("officer", Action.DISPATCH, State.CLOSED, "问题当前状态为“已办结”，不能交办。"),
    ("officer", Action.REJECT, State.MERGED, "问题当前状态为“已并单”，不能发回重办。"),
    ("group_staff", Action.DISPATCH, State.RETURNED, "只有负责督办该问题的纪检监察机构人员可以交办。"),
])
def test_representative_refusals_say_why_in_chinese(world, role, action, state, message):
    problem = drive_to(world, state)
    with pytest.raises(ServiceError) as refused:
        perform(world, action, getattr(world, role), problem, primary=drive_to(world, State.DISPATCHED))
    assert refused.value.message == message


def test_a_restricted_problem_refuses_a_supervisor_not_named(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    services.problem_restrict(actor=w.officer, problem=problem, users=[w.eco_handler], reason="涉及敏感人员")
    with pytest.raises(ServiceError, match="只有负责督办该问题的纪检监察机构人员可以催办。"):
        services.problem_urge(actor=w.office_head, problem=problem, note="请加快办理")
    assert services.problem_urge(actor=w.officer, problem=problem, note="请加快办理").urge_count == 1


@pytest.mark.parametrize("leaves_by", ["return", "reassign", "merge", "approve"])
def test_a_pending_extension_lapses_when_the_problem_leaves_the_unit(world, leaves_by):
    """Otherwise it would wait forever in the supervisors' queue where nobody can decide it."""
    w = world
    problem = with_pending_extension(w, State.REPLIED if leaves_by == "approve" else State.SIGNED)
    if leaves_by == "return":
        services.problem_return(actor=w.eco_handler, problem=problem, reason="不属于本单位职责")
    elif leaves_by == "reassign":
        services.problem_reassign(actor=w.officer, problem=problem, lead_unit=w.water, reason="水务局管理")
    elif leaves_by == "merge":
        services.problem_merge(actor=w.officer, duplicate=problem, primary=drive_to(w, State.RECEIVED),
                               reason="同一排口")
    else:
        services.problem_review(actor=w.officer, problem=problem, decision=Action.APPROVE)
    extension = problem.extensions.get()
    assert extension.status == ExtensionStatus.REJECTED
    assert "失效" in extension.decision_reason
    problem.refresh_from_db()
    assert Action.APPROVE_EXTENSION not in services.allowed_actions(w.officer, problem)
