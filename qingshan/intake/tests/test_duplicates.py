"""The duplicate scan proposes a new problem that repeats an open one; the supervising side merges it or keeps it
apart; units never see proposals."""
import pytest
from django.test import Client

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import ServiceError
from qingshan.core.worklist import work_queues
from qingshan.intake.dedup import scan_once
from qingshan.intake.models import DuplicateProposal
from qingshan.intake.services import proposal_dismiss, proposal_merge
from qingshan.intake.testing import camera_sender, signed_post
from qingshan.problems.choices import State
from qingshan.problems.services import problem_create
from qingshan.problems.testing.world import WORLD_NOW


def register(w, title, description, location, region=None):
    return problem_create(actor=w.officer, title=title, description=description, source=w.hotline,
                          category=w.water_pollution, region=region or w.lvshui, location=location)


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    assert scan_once() == (0, 0)  # switched on: what was registered before is not scanned
    return world


def test_a_repeat_is_proposed_once_and_other_problems_are_not(w):
    first = register(w, "青山河排污口夜间偷排", "滨江路边的排污口晚上往青山河偷排污水，河水发黑", "青山河滨江路段")
    repeat = register(w, "滨江路排污口偷排", "群众反映青山河滨江路段排污口夜间偷排，水又黑又臭", "滨江路青山河边")
    register(w, "青山河取水口异味", "滨江路段青山河取水口的水有异味", "青山河滨江路段")
    register(w, "青山河排污口夜间偷排", "排污口夜间偷排", "城南工业区", region=w.jiangan)
    assert scan_once() == (4, 1)
    proposal = DuplicateProposal.objects.get()
    assert (proposal.problem, proposal.candidate) == (repeat, first)
    assert AuditEvent.objects.filter(object_type="intake_duplicate", action="propose").count() == 1
    assert scan_once() == (0, 0)  # idempotent: nothing is compared twice


def test_merging_uses_the_work_loop_merge_and_dismissing_needs_a_reason(w):
    first = register(w, "青山河排污口夜间偷排", "滨江路边的排污口晚上往青山河偷排污水", "青山河滨江路段")
    repeat = register(w, "滨江路排污口偷排", "青山河滨江路段排污口夜间偷排污水", "滨江路青山河边")
    scan_once()
    proposal = DuplicateProposal.objects.get()
    with pytest.raises(ServiceError):
        proposal_dismiss(actor=w.officer, proposal=proposal, reason=" ")
    proposal_merge(actor=w.officer, proposal=proposal)
    repeat.refresh_from_db()
    assert repeat.state == State.MERGED and repeat.merged_into == first
    proposal.refresh_from_db()
    assert proposal.status == DuplicateProposal.Status.MERGED and proposal.decided_by == w.officer
    with pytest.raises(ServiceError):
        proposal_merge(actor=w.officer, proposal=proposal)


def test_machine_alerts_are_not_proposed_again(w):
    sender, secret = camera_sender(w)
    alert = {"alert_type": "河道漂浮物", "occurred_at": "2026-03-02T09:30:00+08:00", "device": "CAM-1",
             "region": w.lvshui.code, "category": "water", "location": "青山河滨江路段"}
    signed_post(Client(), sender.code, secret, alert, key="a1")
    signed_post(Client(), sender.code, secret, {**alert, "device": "CAM-2"}, key="a2")
    assert scan_once() == (2, 0)


def test_the_supervising_side_confirms_in_the_page_and_the_worklist(w):
    register(w, "青山河排污口夜间偷排", "滨江路边的排污口晚上往青山河偷排污水", "青山河滨江路段")
    repeat = register(w, "滨江路排污口偷排", "青山河滨江路段排污口夜间偷排污水", "滨江路青山河边")
    scan_once()
    proposal = DuplicateProposal.objects.get()
    queue = next(q for q in work_queues(user=w.officer) if q.key == "duplicates_to_confirm")
    assert list(queue.section("own")) == [proposal]
    officer = Client()
    officer.force_login(w.officer)
    text = officer.get("/intake/duplicates/").content.decode()
    assert repeat.number in text and "并入已有问题" in text
    officer.post(f"/intake/duplicates/{proposal.pk}/decide/", {"decision": "dismiss", "reason": "两个不同排口"})
    proposal.refresh_from_db()
    assert proposal.status == DuplicateProposal.Status.DISMISSED
    unit = Client()
    unit.force_login(w.housing_handler)
    assert unit.get("/intake/duplicates/").status_code == 403
    assert unit.post(f"/intake/duplicates/{proposal.pk}/decide/", {"decision": "merge"}).status_code == 404
    assert not any(q.key == "duplicates_to_confirm" for q in work_queues(user=w.housing_handler))
