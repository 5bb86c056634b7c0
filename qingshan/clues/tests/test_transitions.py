"""The clue action table, tried by every role in every state: what it allows works, everything else is refused,
changes nothing and writes no audit event.

The clues come from drive_to(): registered by 赵信访 at the city commission about 市生态环境局, assigned to
第一监督检查室 (李监督's office). Who may act is stated below as domain §5 says it, not read from the table.
"""
import datetime as dt

import pytest
from django.db.models import Count

from qingshan.audit.models import AuditEvent
from qingshan.clues.choices import Action, Disposal, State
from qingshan.clues.models import Clue
from qingshan.clues.testing.flows import TODAY, drive_to
from qingshan.clues.testing.world import PASSWORD
from qingshan.clues.transitions import ANGUAN, CLUE_ACTIONS, LEADER, LOWER, TEAM, XINFANG
from qingshan.core.errors import ServiceError
from qingshan.core.testing.transitions import TransitionMatrix

# Each part of the loop, and everyone outside it (the 信访 and 案管 of the city are the only intake; the city's
# leader signs; 第一监督检查室 handles; 绿水区纪委 takes what is passed down to it).
PARTS = {XINFANG: "xinfang", ANGUAN: "anguan", TEAM: "officer", LEADER: "leader", LOWER: "district_staff"}
# Outside the circle: another office, a stationed group, a unit, no role at all, and people holding every part of
# the circle who are hard-blocked (in the reported unit, or the reported person). The remaining roles (read-only
# leader, partner, units elsewhere) are tried on every page by test_hard_block.py.
OUTSIDE = ["office_head_other", "group_staff", "eco_handler", "outsider", "insider_in_unit", "reported"]
ROLES = list(PARTS.values()) + OUTSIDE
DEFAULT_PROPOSAL = Disposal.INQUIRY


def may(role: str, rule, state: str) -> bool:
    return state in rule.from_states and PARTS.get(rule.who) == role


def approves_other(action: str) -> bool:
    disposal = CLUE_ACTIONS[action].fixed.get("disposal")
    return disposal is not None and disposal != DEFAULT_PROPOSAL


def build(w, action: str, state: str) -> Clue:
    disposal = CLUE_ACTIONS[action].fixed.get("disposal", DEFAULT_PROPOSAL) if action else DEFAULT_PROPOSAL
    return drive_to(w, state, disposal=disposal, replied=action != Action.RECORD_REPLY)


def example(w, action: str, clue: Clue) -> dict:
    later = TODAY + dt.timedelta(days=90)
    verify = {"report": "经初步核实，反映问题部分属实。", "signers": "李监督、王主任"}
    signed = {"note": "同意", "password": PASSWORD}  # the named signing leader (陈书记) in person
    return {
        Action.ACCEPT: {"note": "属于本级管辖"},
        Action.MARK_DUPLICATE: {"duplicate_of": w.first},
        Action.NOT_ACCEPT: {"reason": "不属于受理范围"},
        Action.FORWARD_UP: {"note": "属上级管辖"}, Action.FORWARD_UP_SENT: {"note": "已报送"},
        Action.TRANSFER_DOWN: {"down_to": w.lvshui_commission, "note": "属区级管辖"},
        Action.ACCEPT_DOWN: {"note": "接收"}, Action.REGISTER: {"note": ""},
        Action.ASSIGN: {"assigned_org": w.office, "note": "请办理"}, Action.SIGN: {"note": ""},
        Action.PROPOSE: {"disposal": Disposal.VERIFY, "reason": "需核实", "matters": ""},
        Action.STUDY: {"study_date": TODAY, "attendees": "王主任、李监督", "record": "同意",
                       "signing_leader": w.leader},
        Action.APPROVE_INQUIRY: signed, Action.APPROVE_VERIFY: signed,
        Action.APPROVE_SHELVE: {**signed, "review_due": later}, Action.APPROVE_CLOSE: signed,
        Action.APPROVE_CASE: signed, Action.RETURN_PROPOSAL: {"reason": "再研究"},
        Action.RECORD_REPLY: {"replied_on": TODAY, "reply_text": "本人未收受财物。"},
        Action.INQUIRY_CLEAR: {"note": "已说明清楚"}, Action.INQUIRY_REMIND: {"note": ""},
        Action.INQUIRY_CRITICISE: {"note": ""}, Action.INQUIRY_VERIFY: {"note": ""},
        Action.INQUIRY_AGAIN: {"matters": "请补充说明。", "note": ""},
        Action.VERIFY_CASE: verify, Action.VERIFY_CLOSE: verify, Action.VERIFY_REMIND: verify,
        Action.VERIFY_TRANSFER: verify, Action.VERIFY_SHELVE: {**verify, "review_due": later},
        Action.REVIEW_SHELVED: {"note": "重新研判"}, Action.POSTPONE_REVIEW: {"review_due": later, "note": "继续暂存"},
        Action.NOTIFY_ACCEPTANCE: {"notified_on": TODAY, "note": "电话告知"},
        Action.NOTIFY_RESULT: {"notified_on": TODAY, "note": "电话告知"},
        Action.RECORD_OBJECTION: {"received_on": TODAY, "content": "对结果有异议", "answer": "已复核，维持原结论"},
    }[action]


def snapshot(clue: Clue) -> dict:
    """Everything an action could change: the clue's row, its letters and objections (one query)."""
    return Clue.objects.filter(pk=clue.pk).annotate(
        letter_count=Count("letters", distinct=True), objection_count=Count("objections", distinct=True)).values().get()


def object_events(clue: Clue) -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.filter(object_type="clues.clue", object_id=clue.pk).order_by("seq")
                .values_list("action", "from_state", "to_state"))


MATRIX = TransitionMatrix(
    table=CLUE_ACTIONS, roles=ROLES, states=list(State.values), may=may, build=build, example=example,
    snapshot=snapshot, events=lambda: AuditEvent.objects.count(), object_events=object_events,
    inapplicable=lambda action, state: state == State.STUDIED and approves_other(action))
ALLOWED = MATRIX.allowed()


@pytest.fixture
def w(cw):
    from qingshan.orgs.choices import OfficeType, OrgKind
    from qingshan.orgs.models import Membership, Organisation

    other = Organisation.objects.create(name="第二监督检查室", kind=OrgKind.OFFICE, region=cw.city,
                                        parent=cw.commission, office_type=OfficeType.INSPECTION)
    cw.office_head_other = cw.office_head
    Membership.objects.filter(user=cw.office_head).update(organisation=other)
    cw.first = drive_to(cw, State.RECEIVED, summary="首件")  # what a repeat is marked a duplicate of
    return cw


def test_every_field_of_every_form_reaches_its_service():
    MATRIX.check_inputs_reach_services()


def test_every_action_is_someones():
    assert {a for a, _, _ in ALLOWED} == set(CLUE_ACTIONS.codes())


@pytest.mark.parametrize(("action", "state", "role"), ALLOWED, ids=MATRIX.ids(ALLOWED))
def test_allowed_transition_succeeds(w, action, state, role):
    clue = MATRIX.check_allowed(w, action, state, getattr(w, role))
    assert AuditEvent.objects.filter(object_type="clues.clue", object_id=clue.pk).latest("seq").actor_id == \
        getattr(w, role).pk


def test_everything_else_is_refused_changes_nothing_and_writes_no_event(w):
    """Every role, every state, every action the domain does not give that role: refused with a message, the clue
    and its letters unchanged, no audit event. One clue per state serves every role (a refusal changes nothing, and
    each attempt is checked against the clue as built)."""
    actors = {role: getattr(w, role) for role in ROLES}
    for state in State.values:
        clue = build(w, "", state)
        before, events = snapshot(clue), AuditEvent.objects.count()
        for role, actor in actors.items():
            for rule in CLUE_ACTIONS:
                if may(role, rule, state) or MATRIX.inapplicable(rule.code, state):
                    continue
                with pytest.raises(ServiceError):
                    MATRIX.perform(w, rule.code, actor, clue, example(w, rule.code, clue))
                assert snapshot(clue) == before, (role, state, rule.code)
                assert AuditEvent.objects.count() == events, (role, state, rule.code)
