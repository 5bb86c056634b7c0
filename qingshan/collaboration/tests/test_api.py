"""The joint-work API: each body reads the inspections, interviews and partner transfers it takes part in, as on the
pages; a body outside gets an empty list and, for every id (real, missing or not a number), the same 404; a partner
body reads only the fields copied for it, and a problem is named only to those who may see it."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from qingshan.access.problems import visible_problems
from qingshan.api.testing import issue_test_token
from qingshan.collaboration import inspections, partners
from qingshan.collaboration.choices import CommitmentWay
from qingshan.collaboration.interviews import Party, interview_commit, interview_create
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return world


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(user)}")
    return client


def _inspection(w):
    inspection = inspections.inspection_create(
        actor=w.officer, title="青山河流域入河排污口协同监督检查", starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 6), participants=[w.eco, w.partner], scope="排口设置、在线监测")
    team = inspections.inspection_add_team(actor=w.officer, inspection=inspection, name="第一检查组",
                                           leader=w.officer, members=[w.eco_handler, w.partner_staff])
    site = inspections.inspection_add_site(actor=w.officer, inspection=inspection, team=team, name="滨江段3号排口",
                                           region=w.lvshui, visit_on=dt.date(2026, 3, 3), address="滨江路12号",
                                           lng=None, lat=None)
    inspections.inspection_start(actor=w.officer, inspection=inspection)
    finding = inspections.finding_record(actor=w.officer, site=site, title="排口夜间偷排", description="现场取样",
                                         category=w.water_pollution)
    problem = inspections.finding_register(actor=w.officer, finding=finding)
    return inspection, problem


def _interview(w, problem):
    interview = interview_create(
        actor=w.officer, title="青山河排污问题联合约谈", held_on=dt.date(2026, 3, 2), place="市纪委监委会议室",
        interviewers=[Party(w.office, "李监督", "副主任"), Party(w.partner, "林攻坚", "攻坚办主任")],
        interviewees=[Party(w.eco, "钱局长", "局长")], problem_numbers=[problem.number], record="通报问题。")
    interview_commit(actor=w.officer, interview=interview, text="十日内报送整改方案", way=CommitmentWay.TASK,
                     days=10, assignee=w.eco)
    return interview


def _transfer(w):
    problem = new_problem(w, title="青山化工夜间偷排", reporter_name="张三", reporter_phone="13800000000")
    transfer = partners.partner_transfer_send(actor=w.officer, problem=problem, partner=w.partner,
                                              request="请依法查处并反馈", days=5, fields=["title"])
    return transfer, problem


def _ids(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    return [row["id"] for row in response.json()["results"]]


def test_the_bodies_taking_part_read_the_inspection_with_its_teams_sites_and_findings(w):
    inspection, problem = _inspection(w)
    for user in (w.officer, w.eco_handler, w.partner_staff):
        assert _ids(_api(user), "/api/collaboration/inspections/") == [inspection.pk]
    body = _api(w.officer).get(f"/api/collaboration/inspections/{inspection.pk}/").json()
    assert body["led_by"] == inspection.led_by.name and set(body["participants"]) == {w.eco.name, w.partner.name}
    assert body["teams"][0]["name"] == "第一检查组" and len(body["teams"][0]["members"]) == 2
    finding = body["sites"][0]["findings"][0]
    assert finding["title"] == "排口夜间偷排" and finding["problem"] == {"id": problem.pk, "number": problem.number}
    # The partner body took part in the inspection but may not see the problem it became: not named to it.
    assert not visible_problems(w.partner_staff).filter(pk=problem.pk).exists()
    seen_by_partner = _api(w.partner_staff).get(f"/api/collaboration/inspections/{inspection.pk}/").json()
    assert seen_by_partner["sites"][0]["findings"][0]["problem"] is None
    assert problem.number not in str(seen_by_partner)


def test_an_interview_names_both_sides_its_commitments_and_only_visible_problems(w):
    problem = drive_to(w, "dispatched")
    interview = _interview(w, problem)
    body = _api(w.officer).get(f"/api/collaboration/interviews/{interview.pk}/").json()
    assert {(p["side"], p["person"]) for p in body["parties"]} == {
        ("interviewer", "李监督"), ("interviewer", "林攻坚"), ("interviewee", "钱局长")}
    assert body["problems"] == [{"id": problem.pk, "number": problem.number}]
    assert body["commitments"][0]["task_assignee"] == w.eco.name and body["commitments"][0]["way"] == "task"
    assert _ids(_api(w.partner_staff), "/api/collaboration/interviews/") == [interview.pk]
    partner_view = _api(w.partner_staff).get(f"/api/collaboration/interviews/{interview.pk}/").json()
    assert partner_view["problems"] == [] and problem.number not in str(partner_view)


def test_a_partner_reads_only_what_was_copied_for_it(w):
    transfer, problem = _transfer(w)
    assert _ids(_api(w.partner_staff), "/api/collaboration/partner-transfers/") == [transfer.pk]
    body = _api(w.partner_staff).get(f"/api/collaboration/partner-transfers/{transfer.pk}/").json()
    assert body["shared"] == {"问题编号": problem.number, "问题标题": "青山化工夜间偷排"}
    assert body["request"] == "请依法查处并反馈" and body["state"] == "sent"
    text = str(body)
    for secret in ("张三", "13800000000", problem.description, f"'problem': {problem.pk}"):
        assert secret not in text
    assert _ids(_api(w.officer), "/api/collaboration/partner-transfers/") == [transfer.pk]


def test_an_outside_body_gets_empty_lists_and_the_missing_ids_404_for_every_id(w):
    inspection, problem = _inspection(w)
    interview = _interview(w, drive_to(w, "dispatched"))
    transfer, _ = _transfer(w)
    outsider = _api(w.housing_handler)
    for kind, real in [("inspections", inspection.pk), ("interviews", interview.pk),
                       ("partner-transfers", transfer.pk)]:
        assert _ids(outsider, f"/api/collaboration/{kind}/") == []
        answers = [outsider.get(f"/api/collaboration/{kind}/{pk}/") for pk in (real, real + 1000, "x1", "-1")]
        assert [a.status_code for a in answers] == [404, 404, 404, 404], kind
        assert len({a.content for a in answers}) == 1, kind  # the real id answers exactly as a missing one
    assert _api(w.officer).get(f"/api/collaboration/inspections/{inspection.pk}/").status_code == 200


def test_the_api_needs_a_token():
    assert APIClient().get("/api/collaboration/partner-transfers/").status_code in (401, 403)
