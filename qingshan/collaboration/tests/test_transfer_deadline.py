"""移送协作单位 on the problem's page and API: the officer chooses the partner's feedback deadline (offered at 10
working days from today); a date in the past, too far ahead or not a date is refused in Chinese and nothing is
written; the chosen date is the transfer's, shown on the problem's timeline and the transfer's page."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from qingshan.api.testing import issue_test_token
from qingshan.audit.models import AuditEvent
from qingshan.collaboration import partners
from qingshan.collaboration.models import PartnerTransfer
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.choices import State as ProblemState
from qingshan.problems.models import Share
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW  # Monday 2026-03-02


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return world


def _officer(w) -> Client:
    client = Client()
    client.force_login(w.officer)
    return client


def _nothing_written(problem, events_before):
    assert not Share.objects.filter(problem=problem).exists()
    assert not PartnerTransfer.objects.filter(problem=problem).exists()
    assert AuditEvent.objects.count() == events_before


def test_the_form_offers_ten_working_days_and_the_chosen_date_is_the_transfers(w):
    problem = drive_to(w, ProblemState.DISPATCHED)
    client = _officer(w)
    form = client.get(reverse("problems:action", args=[problem.pk, "share"])).content.decode()
    assert 'name="feedback_deadline"' in form and 'value="2026-03-16"' in form  # 10 working days from Monday

    response = client.post(reverse("problems:action", args=[problem.pk, "share"]), {
        "partner": w.partner.pk, "reason": "涉嫌环境违法，请依法查处", "feedback_deadline": "2026-03-20"})
    assert response.status_code == 302, response.content.decode()[:2000]
    transfer = PartnerTransfer.objects.get(problem=problem)
    assert (transfer.feedback_deadline, transfer.feedback_days) == (dt.date(2026, 3, 20), 14)
    send = AuditEvent.objects.get(object_type="collaboration.partner_transfer", object_id=transfer.pk)
    assert send.payload["deadline"] == "2026-03-20"

    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "移送至：市污染防治攻坚办；反馈期限：2026-03-20" in page  # the timeline's 移送协作单位 event
    page = client.get(reverse("collaboration:partner_transfer", args=[transfer.pk])).content.decode()
    assert '<span id="feedback-deadline">2026-03-20</span>（14 个工作日）' in page


def test_left_blank_the_deadline_is_ten_working_days(w):
    problem = drive_to(w, ProblemState.DISPATCHED)
    response = _officer(w).post(reverse("problems:action", args=[problem.pk, "share"]), {
        "partner": w.partner.pk, "reason": "请依法查处", "feedback_deadline": ""})
    assert response.status_code == 302
    transfer = PartnerTransfer.objects.get(problem=problem)
    assert (transfer.feedback_deadline, transfer.feedback_days) == (dt.date(2026, 3, 16), 10)


@pytest.mark.parametrize("value, message", [
    ("2026-03-01", "反馈期限不能早于今天（2026-03-02）。"),
    ("2026-12-31", "反馈期限最长为 60 个工作日，不能晚于 2026-05-28。"),
    ("2026-02-30", "请填写有效的日期，如 2026-03-16。"),
    ("下周五", "请填写有效的日期，如 2026-03-16。"),
])
def test_a_bad_deadline_on_the_form_is_refused_in_chinese_and_nothing_changes(w, value, message):
    problem = drive_to(w, ProblemState.DISPATCHED)
    events = AuditEvent.objects.count()
    response = _officer(w).post(reverse("problems:action", args=[problem.pk, "share"]), {
        "partner": w.partner.pk, "reason": "请依法查处", "feedback_deadline": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_written(problem, events)


def test_today_is_the_earliest_deadline(w):
    problem = drive_to(w, ProblemState.DISPATCHED)
    transfer = partners.problem_share_transfer(actor=w.officer, problem=problem, partner=w.partner,
                                               reason="紧急：今日反馈", feedback_deadline=dt.date(2026, 3, 2))
    assert (transfer.feedback_deadline, transfer.feedback_days) == (dt.date(2026, 3, 2), 0)


def test_the_service_checks_the_date_itself(w):
    """The service is the one way in: a caller skipping the form is held to the same rule."""
    problem = drive_to(w, ProblemState.DISPATCHED)
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match="反馈期限不能早于今天") as refused:
        partners.problem_share_transfer(actor=w.officer, problem=problem, partner=w.partner, reason="请依法查处",
                                        feedback_deadline=dt.date(2026, 2, 27))
    assert refused.value.field == "feedback_deadline"
    _nothing_written(problem, events)


def test_someone_who_may_not_transfer_is_refused_before_the_date_is_looked_at(w):
    """The unit handling the problem is told it may not transfer, whatever date it sends: not the date's rule."""
    problem = drive_to(w, ProblemState.DISPATCHED)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused, match="只有负责督办该问题的纪检监察机构人员可以移送协作单位"):
        partners.problem_share_transfer(actor=w.eco_handler, problem=problem, partner=w.partner, reason="请依法查处",
                                        feedback_deadline=dt.date(2026, 2, 27))
    _nothing_written(problem, events)


def test_the_api_takes_the_deadline_through_the_same_check(w):
    from rest_framework.test import APIClient

    problem = drive_to(w, ProblemState.DISPATCHED)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(w.officer)}")
    events = AuditEvent.objects.count()
    url = f"/api/problems/{problem.pk}/share/"
    response = api.post(url, {"partner": w.partner.pk, "reason": "请依法查处", "feedback_deadline": "2026-02-27"},
                        format="json")
    assert response.status_code == 400, response.content.decode()
    body = response.json()
    assert body["detail"] == "反馈期限不能早于今天（2026-03-02）。" and body.get("field") == "feedback_deadline", body
    _nothing_written(problem, events)

    response = api.post(url, {"partner": w.partner.pk, "reason": "请依法查处", "feedback_deadline": "2026-03-13"},
                        format="json")
    assert response.status_code == 200, response.content.decode()
    transfer = PartnerTransfer.objects.get(problem=problem)
    assert (transfer.feedback_deadline, transfer.feedback_days) == (dt.date(2026, 3, 13), 9)
    # The read API reports the chosen date.
    listed = api.get("/api/collaboration/partner-transfers/").json()["results"]
    assert [t["feedback_deadline"] for t in listed] == ["2026-03-13"]
