"""The triage table of a model hit, tried by every role from every state through the table (as the pages do)."""
import itertools

import pytest
import time_machine

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.transitions import TransitionMatrix
from qingshan.core.worklist import OWN, work_queues
from qingshan.datacheck import services
from qingshan.datacheck.choices import Action, HitState
from qingshan.datacheck.models import CheckModel, Hit
from qingshan.datacheck.transitions import HIT_ACTIONS
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db

# The city commission's supervisors triage the city's model hits; leaders look only; units never see them.
TRIAGERS = {"officer", "office_head"}
ROLES = ["officer", "office_head", "leader", "readonly"]
_subjects = itertools.count()


@pytest.fixture
def dc(db, settings, tmp_path):
    world = setup_dc(build_world(), settings, tmp_path)
    with time_machine.travel(WORLD_NOW, tick=True):
        world.model = make_model(world)
        yield world


def build(w, action: str, state: str) -> Hit:
    """A fresh hit (its own subject) brought to `state` by the officer through the services."""
    site = f"S{next(_subjects)}"
    w.load(row(site, 9))
    services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=w.model.pk))
    hit = Hit.objects.get(subject_key=site)
    if state == HitState.VERIFYING:
        hit = services.hit_verify(actor=w.officer, hit=hit)
    elif state == HitState.CONVERTED:
        hit = services.hit_confirm(actor=w.officer, hit=hit)
    elif state == HitState.DISMISSED:
        hit = services.hit_dismiss(actor=w.officer, hit=hit, reason="数据录入错误")
    return Hit.objects.get(pk=hit.pk)


def may(role: str, rule, state: str) -> bool:
    return role in TRIAGERS and state in rule.from_states


EXAMPLES = {Action.CONFIRM: {"reason": "超标属实"}, Action.VERIFY: {"reason": "请现场核实"},
            Action.DISMISS: {"reason": "设备校准期间的读数"}}

MATRIX = TransitionMatrix(
    table=HIT_ACTIONS, roles=ROLES, states=list(HitState.values), may=may, build=build,
    example=lambda w, action, hit: dict(EXAMPLES[action]),
    snapshot=lambda hit: (Hit.objects.filter(pk=hit.pk).values().get(), Hit.objects.count()),
    events=lambda: AuditEvent.objects.count(),
    object_events=lambda hit: list(AuditEvent.objects.filter(object_type="datacheck.hit", object_id=hit.pk)
                                   .order_by("seq").values_list("action", "from_state", "to_state")))
ALLOWED = MATRIX.allowed()


def test_every_field_of_every_input_reaches_its_service():
    MATRIX.check_inputs_reach_services()


def test_the_oracle_allows_every_action_to_someone():
    assert {a for a, _, _ in ALLOWED} == set(HIT_ACTIONS.codes())


@pytest.mark.parametrize(("action", "state", "role"), ALLOWED, ids=MATRIX.ids(ALLOWED))
def test_allowed_triage_succeeds_and_is_audited(dc, action, state, role):
    MATRIX.check_allowed(dc, action, state, getattr(dc, role))


@pytest.mark.parametrize("role", ROLES)
def test_everything_else_is_refused_and_changes_nothing(dc, role):
    MATRIX.check_refusals(dc, role, getattr(dc, role))


def test_the_api_runs_the_same_table(dc):
    """POST /api/datacheck/hits/{id}/<action>/: done for a triager, refused in Chinese otherwise, 404 for a unit."""
    from rest_framework.test import APIClient

    hit = build(dc, "", HitState.NEW)
    client = APIClient()
    client.force_authenticate(dc.eco_handler)
    assert client.post(f"/api/datacheck/hits/{hit.pk}/dismiss/", {"reason": "误报"}, format="json").status_code == 404
    client.force_authenticate(dc.officer)
    blank = client.post(f"/api/datacheck/hits/{hit.pk}/dismiss/", {"reason": " "}, format="json")
    assert (blank.status_code, blank.json()["detail"]) == (400, "排除线索须填写理由。")
    verified = client.post(f"/api/datacheck/hits/{hit.pk}/verify/", {"queue": "urgent"}, format="json")
    assert verified.status_code == 200 and (verified.json()["state"], verified.json()["queue"]) == (
        HitState.VERIFYING, "urgent")
    again = client.post(f"/api/datacheck/hits/{hit.pk}/verify/", {}, format="json")
    assert (again.status_code, again.json()["detail"]) == (400, "该线索当前状态为“核查中”，不能转核查。")
    confirmed = client.post(f"/api/datacheck/hits/{hit.pk}/confirm/", {"reason": "超标属实"}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["problem_number"].startswith("QS-")


# Model hits in 我的待办: hits to triage and hits under verification (the one who sent it there owns it), for the
# supervisors who triage; leaders, who only look, have no such queue.
def _worklist_counts(user):
    user = type(user).objects.get(pk=user.pk)
    return {q.key: (q.queryset.count(), q.section(OWN).count()) for q in work_queues(user=user)
            if q.key.startswith("hits_")}


def test_hits_wait_for_triage_and_verification_in_the_triagers_worklist(dc):
    dc.load(row("S1", 9), row("S2", 8), row("S3", 7))
    services.run_start(actor=dc.officer, model=CheckModel.objects.get(pk=dc.model.pk))
    services.hit_verify(actor=dc.officer, hit=Hit.objects.get(subject_key="S1"), reason="请现场核实")
    assert _worklist_counts(dc.officer) == {"hits_to_triage": (2, 0), "hits_verifying": (1, 1)}
    assert _worklist_counts(dc.office_head) == {"hits_to_triage": (2, 0), "hits_verifying": (1, 0)}
    assert _worklist_counts(dc.leader) == {}
    assert _worklist_counts(dc.eco_handler) == {}
