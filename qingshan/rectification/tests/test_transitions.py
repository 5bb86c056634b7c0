"""The action table, tried by every role in every state: what it allows works, everything else is refused, changes
nothing and writes no audit event.

The items come from drive_to(): a feedback item in 绿水区 led by 市生态环境局 (co-unit 市水务局), supervised by the
group stationed in that bureau. Who may act on it, as the domain says (§2, §6): the city commission's offices, the
绿水区 commission (its district) and the stationed group supervise; the lead unit plans, applies and (with the
co-unit) reports; the site-check diary is kept by both sides; only the named 组长 and the bureau's 负责人 sign, each
their own part. The commission leader, the read-only leader, another unit, a partner and a person with no role
never act.
"""
import datetime as dt

import pytest

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.transitions import TransitionMatrix
from qingshan.rectification.choices import Action, Condition, Granularity, Horizon, Progress, State
from qingshan.rectification.models import Item, Objection
from qingshan.rectification.testing.flows import PASSWORD, drive_to
from qingshan.rectification.transitions import (
    HANDLING_UNIT,
    ITEM_ACTIONS,
    LEAD_UNIT,
    PARTICIPANT,
    SUPERVISOR,
    SUPERVISOR_SIGNATORY,
    UNIT_SIGNATORY,
)

ROLES = ["officer", "office_head", "xinfang", "group_staff", "group_head", "district_staff", "leader", "readonly",
         "eco_handler", "eco_head", "eco_secretary", "water_handler", "housing_handler", "partner_staff", "outsider"]
SUPERVISORS = {"officer", "office_head", "xinfang", "group_staff", "group_head", "district_staff"}
LEAD = {"eco_handler", "eco_head", "eco_secretary"}
CO = {"water_handler"}
SIGNING = (Action.SIGN_SUPERVISOR, Action.SIGN_UNIT)


def may(role: str, rule, state: str) -> bool:
    if state not in rule.from_states:
        return False
    return role in {
        SUPERVISOR: SUPERVISORS, LEAD_UNIT: LEAD, HANDLING_UNIT: LEAD | CO, PARTICIPANT: SUPERVISORS | LEAD | CO,
        SUPERVISOR_SIGNATORY: {"group_head"}, UNIT_SIGNATORY: {"eco_secretary"},
    }[rule.who]


def build(w, action: str, state: str) -> Item:
    """An item in `state`, ready for `action`: signed by both unless a signature is what is tried; in progress with
    the work done (so it may apply); in notice with its notice over (so it may be closed)."""
    item = drive_to(w, state, signed=action not in SIGNING)
    if state == State.IN_PROGRESS:
        Item.objects.filter(pk=item.pk).update(progress=Progress.DONE)
    if state == State.NOTICE:
        Item.objects.filter(pk=item.pk).update(notice_end=dt.date(2026, 3, 1))
    return Item.objects.get(pk=item.pk)


def example(w, action: str, item: Item) -> dict:
    today = dt.date(2026, 3, 2)
    if action == Action.ANSWER:
        objection = Objection.objects.create(item=item, raised_on=today, raised_by="群众", content="有异议",
                                             recorded_by=w.officer)
    return {
        Action.PLAN: dict(target="完成修复", measures="修复施工", responsible_leader="钱局长",
                          responsible_person="孙经办", horizon=Horizon.SHORT, deadline=dt.date(2026, 6, 30),
                          granularity=Granularity.MONTH, co_units=[]),
        Action.MILESTONES: dict(lines="2026-04-30 完成方案\n2026-06-30 完成整改"),
        Action.MILESTONE_DONE: dict(milestone=item.milestones.values_list("pk", flat=True).first() or 0,
                                    done_on=today),
        Action.PROGRESS: dict(progress=Progress.DONE, text="已完成"),
        Action.DIARY: dict(happened_on=today, text="现场查看"),
        Action.REVIEW_NOTE: dict(text="内部意见"),
        Action.APPLY: dict(note=""),
        Action.SITE_CHECK: dict(note="核查", supervisor_signatory=w.group_head, unit_signatory=w.eco_secretary),
        Action.FAIL_CHECK: dict(reason="不达标"),
        Action.SIGN_SUPERVISOR: dict(password=PASSWORD),
        Action.SIGN_UNIT: dict(password=PASSWORD),
        Action.PUBLISH: dict(days=5),
        Action.OBJECTION: dict(raised_on=today, raised_by="群众", content="仍有异味"),
        Action.ANSWER: dict(objection=objection.pk if action == Action.ANSWER else 0, answer="已核实"),
        Action.CONDITION: dict(condition=Condition.MEASURES_DONE, evidence="见报告"),
        Action.CLOSE: dict(recheck_months=6),
        Action.RECHECK: dict(note="成果巩固"),
        Action.REBOUND: dict(note="反弹", deadline=dt.date(2026, 8, 31)),
    }[Action(action)]


def snapshot(item: Item):
    item = Item.objects.get(pk=item.pk)
    return ({f.attname: getattr(item, f.attname) for f in Item._meta.concrete_fields if f.attname != "updated_at"},
            item.milestones.count(), item.posts.count(), item.objections.count(), item.conditions.count(),
            item.rechecks.count(), list(item.milestones.values_list("done_on", flat=True)))


def object_events(item: Item):
    return list(AuditEvent.objects.filter(object_type="rectification.item", object_id=item.pk).order_by("id")
                .values_list("action", "from_state", "to_state"))


MATRIX = TransitionMatrix(table=ITEM_ACTIONS, roles=ROLES, states=list(State.values), may=may, build=build,
                          example=example, snapshot=snapshot, events=AuditEvent.objects.count,
                          object_events=object_events)


def _one_role_per_kind(cells):
    """Each allowed (action, state) once per kind of actor (supervisor, lead, co-unit, signatory): the kinds differ,
    the people within one kind are the same rule."""
    kinds = {"officer": "s", "office_head": "s", "xinfang": "s", "group_staff": "g", "group_head": "g",
             "district_staff": "d", "eco_handler": "l", "eco_head": "l", "eco_secretary": "l",
             "water_handler": "c"}
    seen, kept = set(), []
    for action, state, role in cells:
        key = (action, state, kinds.get(role, role))
        if key not in seen:
            seen.add(key)
            kept.append((action, state, role))
    return kept


ALLOWED = _one_role_per_kind(MATRIX.allowed())


def test_every_input_reaches_its_service():
    MATRIX.check_inputs_reach_services()


@pytest.mark.parametrize("action, state, role", ALLOWED, ids=MATRIX.ids(ALLOWED))
def test_allowed(rw, action, state, role):
    MATRIX.check_allowed(rw, action, state, getattr(rw, role))


def test_refused(rw):
    """Every role, every state: a refusal changes nothing, so one item per state serves every role."""
    items: dict[str, Item] = {}

    def build_once(w, action, state):
        if state not in items:
            items[state] = build(w, action, state)
        return Item.objects.get(pk=items[state].pk)

    matrix = TransitionMatrix(table=ITEM_ACTIONS, roles=ROLES, states=list(State.values), may=may, build=build_once,
                              example=example, snapshot=snapshot, events=AuditEvent.objects.count)
    for role in ROLES:
        matrix.check_refusals(rw, role, getattr(rw, role))
