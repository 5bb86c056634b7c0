"""Who sees what through the API: list contents and 404s for every role (domain §2), attachments included."""
import pytest

from qingshan.audit.models import AuditEvent
from qingshan.problems import services
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import png

from .utils import assert_error


@pytest.fixture
def problems(world):
    """One problem per situation the visibility rules distinguish, each with one attachment."""
    w = world
    p = {}
    # City level, lead 市生态环境局 (supervised by the stationed group), co-unit 市水务局.
    p["eco"] = drive_to(w, State.DISPATCHED, files=[png()])
    # 绿水区, lead 绿水区住建局 only.
    p["lvshui"] = services.problem_dispatch(actor=w.officer, lead_unit=w.lvshui_housing, problem=new_problem(
        w, region=w.lvshui, title="绿水区工地扬尘", files=[png()]))
    # 江岸区, lead 江岸区城管局 only.
    p["jiangan"] = services.problem_dispatch(actor=w.officer, lead_unit=w.jiangan_urban, problem=new_problem(
        w, region=w.jiangan, title="江岸区垃圾焚烧", files=[png()]))
    # Registered, not yet dispatched: no unit sees it.
    p["received"] = new_problem(w, title="尚未交办", files=[png()])
    # Transferred to the partner body.
    p["shared"] = new_problem(w, region=w.jiangan, title="移送攻坚办", files=[png()])
    services.problem_share(actor=w.officer, problem=p["shared"], partner=w.partner, reason="需联合督办")
    # Dispatched to 市生态环境局 but restricted to named people (the officer and the office head).
    p["restricted"] = drive_to(w, State.DISPATCHED, title="限定知悉范围", restricted_to=[w.office_head],
                               files=[png()])
    return p


# role -> the problems it sees; everything else must be invisible (absent from the list, 404 on detail).
MATRIX = {
    "officer": {"eco", "lvshui", "jiangan", "received", "shared", "restricted"},
    "office_head": {"eco", "lvshui", "jiangan", "received", "shared", "restricted"},
    "leader": {"eco", "lvshui", "jiangan", "received", "shared"},
    "readonly": {"eco", "lvshui", "jiangan", "received", "shared"},
    "district_staff": {"lvshui"},
    "group_staff": {"eco"},
    "eco_handler": {"eco"},
    "eco_head": {"eco"},
    "water_handler": {"eco"},
    "housing_handler": {"lvshui"},
    "urban_handler": {"jiangan"},
    "partner_staff": {"shared"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_list_and_detail_show_exactly_what_the_role_may_see(world, problems, api, role):
    client = api(getattr(world, role))
    listed = {item["id"] for item in client.get("/api/problems/").json()["results"]}
    expected = MATRIX[role]
    assert listed == {problems[key].pk for key in expected}
    for key, problem in problems.items():
        response = client.get(f"/api/problems/{problem.pk}/")
        if key in expected:
            assert response.status_code == 200
            assert response.json()["number"] == problem.number
        else:
            # Indistinguishable from an id that does not exist at all.
            assert_error(response, 404, message="未找到该记录，或您无权查看。")
    assert_error(client.get("/api/problems/999999/"), 404, message="未找到该记录，或您无权查看。")


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_attachments_download_only_for_those_who_see_the_problem(world, problems, api, role):
    client = api(getattr(world, role))
    for key, problem in problems.items():
        attachment = problem.attachments.get()
        before = AuditEvent.objects.count()
        response = client.get(f"/api/attachments/{attachment.pk}/download/")
        if key in MATRIX[role]:
            assert response.status_code == 200
            assert b"".join(response.streaming_content).startswith(b"\x89PNG")
            event = AuditEvent.objects.latest("seq")
            assert AuditEvent.objects.count() == before + 1
            assert (event.action, event.actor, event.object_id) == ("download", getattr(world, role), problem.pk)
        else:
            assert_error(response, 404, message="未找到该记录，或您无权查看。")
            assert AuditEvent.objects.count() == before


def test_a_unit_guessing_ids_of_other_units_problems_can_neither_act_nor_learn_they_exist(world, problems, api):
    client = api(world.eco_handler)
    other = problems["lvshui"]
    for endpoint, body in [("sign", {}), ("return", {"reason": "不属于本单位"}), ("attachments", None)]:
        if body is None:
            response = client.post(f"/api/problems/{other.pk}/{endpoint}/", {"file": png()}, format="multipart")
        else:
            response = client.post(f"/api/problems/{other.pk}/{endpoint}/", body, format="json")
        assert_error(response, 404, message="未找到该记录，或您无权查看。")
    other.refresh_from_db()
    assert other.state == State.DISPATCHED and other.attachments.count() == 1


def test_a_returned_problem_disappears_from_the_unit_that_returned_it(world, api):
    problem = drive_to(world, State.DISPATCHED)
    client = api(world.eco_handler)
    response = client.post(f"/api/problems/{problem.pk}/return/", {"reason": "属水务局职责，依据三定方案"},
                           format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["problem"]) == (State.RETURNED, None)
    assert_error(client.get(f"/api/problems/{problem.pk}/"), 404)
    assert client.get("/api/problems/").json()["count"] == 0
