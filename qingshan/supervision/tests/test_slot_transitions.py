"""The report slot's action table, tried by every role from every state through the table (as the pages do).

Who may act, in the domain's words (§3): the assignee (the stationed group) reports; the office in charge of the
item reviews; the office in charge and the commission's leaders urge and escalate; nobody else acts on the slot.
"""

import pytest

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.transitions import TransitionMatrix
from qingshan.supervision import services
from qingshan.supervision.choices import Action, SlotState
from qingshan.supervision.models import ReportSlot
from qingshan.supervision.transitions import ASSIGNEE, REVIEWER, SLOT_ACTIONS

from .conftest import activity, submit

ROLES = ["group_staff", "group_head", "officer", "office_head", "leader", "district_staff", "readonly",
         "eco_handler"]
ASSIGNEES = {"group_staff", "group_head"}
REVIEWERS = {"officer", "office_head"}
SUPERVISORS = REVIEWERS | {"leader"}


def may(role: str, rule, state: str) -> bool:
    if state not in rule.from_states:
        return False
    people = ASSIGNEES if rule.who == ASSIGNEE else REVIEWERS if rule.who == REVIEWER else SUPERVISORS
    return role in people


def build(w, action: str, state: str) -> ReportSlot:
    """The group's next unused monthly slot, brought to `state` through the services."""
    if not hasattr(w, "unused_slots"):
        w.unused_slots = iter(w.item.slots.filter(org=w.group).order_by("period_start"))
    slot = next(w.unused_slots)
    if state != SlotState.PENDING:
        report = submit(w, slot=slot)
        if state in (SlotState.APPROVED, SlotState.RETURNED):
            services.report_review(actor=w.office_head, report=report, approve=state == SlotState.APPROVED,
                                   comment="请补充现场照片。")
    return ReportSlot.objects.get(pk=slot.pk)


EXAMPLES = {
    Action.SUBMIT: {"summary": "本月完成排污口核查。", "activities": [activity()]},
    Action.APPROVE: {"comment": "同意。"},
    Action.RETURN: {"comment": "活动记录过于简单，请补充。"},
    Action.URGE: {"note": "请按时报送"},
    Action.ESCALATE: {"level": 2, "reason": "多次催办未报送"},
}
REVIEW = {Action.APPROVE, Action.RETURN}

MATRIX = TransitionMatrix(
    table=SLOT_ACTIONS, roles=ROLES, states=list(SlotState.values), may=may, build=build,
    example=lambda w, action, slot: dict(EXAMPLES[action]),
    snapshot=lambda slot: (ReportSlot.objects.filter(pk=slot.pk).values().get(),
                           list(slot.reports.values_list("version", "status"))),
    events=lambda: AuditEvent.objects.count(),
    target_of=lambda action, slot: slot.reports.order_by("-version").first() if action in REVIEW else slot,
    inapplicable=lambda action, state: action in REVIEW and state == SlotState.PENDING,
    object_events=lambda slot: list(AuditEvent.objects.filter(object_type="supervision.slot", object_id=slot.pk)
                                    .order_by("seq").values_list("action", "from_state", "to_state")))
ALLOWED = MATRIX.allowed()


def test_every_field_of_every_input_reaches_its_service():
    MATRIX.check_inputs_reach_services()


def test_the_oracle_allows_every_action_to_someone():
    assert {a for a, _, _ in ALLOWED} == set(SLOT_ACTIONS.codes())


@pytest.mark.parametrize(("action", "state", "role"), ALLOWED, ids=MATRIX.ids(ALLOWED))
def test_allowed_action_succeeds_and_is_audited(sw, action, state, role):
    # A submission after a return is audited as 重新报送.
    MATRIX.check_allowed(sw, action, state, getattr(sw, role), audit_action=lambda action, state: (
        Action.RESUBMIT if action == Action.SUBMIT and state == SlotState.RETURNED else action))


@pytest.mark.parametrize("role", ROLES)
def test_everything_else_is_refused_and_changes_nothing(sw, role):
    MATRIX.check_refusals(sw, role, getattr(sw, role))


def test_the_slot_page_offers_only_what_the_table_allows(sw, client):
    submit(sw)
    client.force_login(sw.group_staff)
    page = client.get(f"/supervision/slots/{sw.slot.pk}/").content.decode()
    assert 'id="review-form"' not in page and "提交审核意见" not in page
    client.force_login(sw.officer)
    page = client.get(f"/supervision/slots/{sw.slot.pk}/").content.decode()
    # Submitted: the office reviews it; there is nothing to urge.
    assert 'id="review-form"' in page and f"/supervision/slots/{sw.slot.pk}/urge/" not in page
    client.force_login(sw.officer)
    pending = client.get(f"/supervision/slots/{sw.district_slot.pk}/").content.decode()
    assert 'id="review-form"' not in pending and f"/supervision/slots/{sw.district_slot.pk}/urge/" in pending
