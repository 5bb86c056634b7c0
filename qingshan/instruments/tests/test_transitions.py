"""The instruments' action table tried by every role in every state: what the domain allows works, everything else
is refused with nothing changed and no audit event written.

Instruments come from drive_to(): drafted by 李监督 (第一监督检查室, 青山市纪委监委), addressed to 市生态环境局.
Who may act, as domain §2 and §7 say it: the issuing commission's staff draft, issue, urge, review, follow up,
close, void and note; the recipient unit's handler and head reply; nobody else acts (the stationed group and the
leader may look, another district, another unit, the partner and a person with no role may not even look).
"""
import pytest

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.transitions import TransitionMatrix
from qingshan.core.testing.uploads import pdf
from qingshan.instruments import services
from qingshan.instruments.choices import Action, State
from qingshan.instruments.models import FollowUp, Instrument
from qingshan.instruments.testing.flows import drive_to
from qingshan.instruments.transitions import INSTRUMENT_ACTIONS

ROLES = ["officer", "office_head", "xinfang", "group_staff", "district_staff", "leader", "readonly", "eco_handler",
         "eco_head", "water_handler", "partner_staff", "outsider"]
ISSUING = {"officer", "office_head", "xinfang"}
RECIPIENT = {"eco_handler", "eco_head"}
STATES = [s.value for s in State]

# Written from the domain, not read from the table: which action may be taken from which state.
DOMAIN = {
    Action.EDIT: {State.DRAFT},  # a draft is edited before issue, never after: the issued text is on record
    Action.ISSUE: {State.DRAFT},
    Action.VOID: {State.DRAFT, State.ISSUED},  # once replied to, the exchange is on record: no voiding
    Action.URGE: {State.ISSUED, State.RETURNED},  # only while a reply is owed
    Action.REPLY: {State.ISSUED, State.RETURNED},
    Action.ACCEPT: {State.REPLIED},
    Action.RETURN: {State.REPLIED},
    Action.FOLLOW_UP: {State.ACCEPTED},
    Action.CLOSE: {State.ACCEPTED},
    Action.GENERATE: {State.ISSUED, State.REPLIED, State.RETURNED, State.ACCEPTED, State.CLOSED},
    Action.NOTE: set(State),
}


def may(role: str, rule, state: str) -> bool:
    people = RECIPIENT if rule.code == Action.REPLY else ISSUING
    return role in people and state in DOMAIN[Action(rule.code)]


def example(w, action: str, instrument) -> dict:
    return {
        Action.EDIT: {"recipient": w.eco, "title": "关于加快入河排污口整治的建议（修改稿）", "body": "请于期限内整改。",
                      "reply_deadline": instrument.reply_deadline, "rectify_deadline": None, "level": "", "cc": "",
                      "problem_numbers": ""},
        Action.ISSUE: {"note": ""}, Action.VOID: {"reason": "字号有误"}, Action.URGE: {"note": "请尽快回复"},
        Action.REPLY: {"text": "已整改", "files": [pdf("回复.pdf")]}, Action.ACCEPT: {"comment": "同意"},
        Action.RETURN: {"comment": "措施不具体"},
        Action.FOLLOW_UP: {"kind": "site", "happened_on": instrument.issued_on or instrument.created_at.date(),
                           "text": "现场核查，已完成整治。", "files": []},
        Action.CLOSE: {"rectified": True, "comment": ""}, Action.GENERATE: {}, Action.NOTE: {"text": "内部：注意时限"},
    }[Action(action)]


def snapshot(instrument):
    row = Instrument.objects.filter(pk=instrument.pk).values().get()
    row.pop("updated_at")
    return row, FollowUp.objects.filter(instrument=instrument).count(), instrument.files.count()


def object_events(instrument):
    return list(AuditEvent.objects.filter(object_type="instruments.instrument", object_id=instrument.pk)
                .order_by("pk").values_list("action", "from_state", "to_state"))


MATRIX = TransitionMatrix(
    table=INSTRUMENT_ACTIONS, roles=ROLES, states=STATES, may=may,
    build=lambda w, action, state: drive_to(w, state), example=example, snapshot=snapshot,
    events=lambda: AuditEvent.objects.count(), object_events=object_events,
)


def test_every_field_of_every_input_reaches_its_service():
    MATRIX.check_inputs_reach_services()


def test_the_oracle_and_the_table_agree_on_every_state():
    for rule in INSTRUMENT_ACTIONS:
        assert set(rule.from_states) == {s.value for s in DOMAIN[Action(rule.code)]}, rule.code


@pytest.mark.parametrize(("action", "state", "role"), [
    cell for cell in MATRIX.allowed() if cell[2] in {"officer", "eco_handler"}
], ids=MATRIX.ids([c for c in MATRIX.allowed() if c[2] in {"officer", "eco_handler"}]))
def test_allowed_transition_succeeds(world, action, state, role, django_capture_on_commit_callbacks):
    MATRIX.check_allowed(world, action, state, getattr(world, role))


# One of each kind of person (the other issuing staff and the unit head act exactly like their colleagues above).
@pytest.mark.parametrize("role", ["officer", "group_staff", "district_staff", "leader", "eco_handler",
                                  "water_handler", "partner_staff"])
def test_everything_else_is_refused_and_changes_nothing(world, role):
    MATRIX.check_refusals(world, role, getattr(world, role))


@pytest.mark.parametrize("role", ["officer", "eco_handler", "group_staff", "leader"])
def test_the_ui_offers_exactly_what_the_table_allows(world, role):
    for state in STATES:
        instrument = drive_to(world, state)
        offered = services.allowed_actions(getattr(world, role), instrument)
        expected = [r.code for r in INSTRUMENT_ACTIONS if may(role, r, state)]
        assert offered == expected, (role, state)


def test_a_refusal_says_why_in_chinese(world):
    instrument = drive_to(world, State.REPLIED)
    with pytest.raises(services.ServiceError, match="主送单位已回复的文书不能作废。"):
        services.instrument_void(actor=world.officer, instrument=instrument, reason="重发")
    with pytest.raises(services.PermissionRefused, match="只有主送单位的经办人或负责人可以书面回复"):
        services.instrument_reply(actor=world.water_handler, instrument=drive_to(world, State.ISSUED), text="x",
                                  files=[pdf()])
