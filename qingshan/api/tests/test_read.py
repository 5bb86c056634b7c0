"""Reading through the API: list and filters, detail contents, the masked reporter, the inbox, query counts."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qingshan.problems import services
from qingshan.problems.choices import Action, State
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import png

from .utils import assert_error


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# ---------------------------------------------------------------- list


def test_list_shows_the_columns_an_integration_needs(world, api):
    problem = drive_to(world, State.SIGNED, region=world.lvshui)
    item = api(world.officer).get("/api/problems/").json()["results"][0]
    assert item["id"] == problem.pk and item["number"] == problem.number
    assert (item["state"], item["state_display"]) == ("signed", "已签收")
    assert item["lead_unit"] == {"id": world.eco.pk, "name": "市生态环境局"}
    assert item["region"]["name"] == "绿水区" and item["source"]["name"] == "现场检查"
    assert item["handle_deadline"] == str(problem.handle_deadline)
    assert item["url"].endswith(f"/api/problems/{problem.pk}/")


def test_list_filters_are_the_list_page_filters(world, api):
    signed = drive_to(world, State.SIGNED, title="化工园区异味")
    dispatched = drive_to(world, State.DISPATCHED, title="河道排污")
    elsewhere = services.problem_dispatch(actor=world.officer, lead_unit=world.lvshui_housing,
                                          problem=new_problem(world, region=world.lvshui, title="工地扬尘"))
    received = new_problem(world, title="尚未交办")
    client = api(world.officer)

    def ids(query):
        return {item["id"] for item in client.get(f"/api/problems/?{query}").json()["results"]}

    assert ids("state=signed&state=received") == {signed.pk, received.pk}
    assert ids("q=异味") == {signed.pk}
    assert ids(f"lead_unit={world.eco.pk}") == {signed.pk, dispatched.pk}
    assert ids(f"region={world.lvshui.pk}") == {elsewhere.pk}
    assert ids("ordering=received_at")  # a valid ordering is accepted
    assert [i["id"] for i in client.get("/api/problems/?ordering=received_at").json()["results"]] == [
        signed.pk, dispatched.pk, elsewhere.pk, received.pk]


def test_list_is_paginated(world, api):
    for n in range(3):
        new_problem(world, title=f"问题{n}")
    body = api(world.officer).get("/api/problems/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"].endswith("page=2&page_size=2")


@pytest.mark.parametrize("caller", ["officer", "eco_handler"])  # the list counted as it is; a unit's audience ids
def test_the_list_counts_only_up_to_the_bound_and_says_so(world, api, caller, monkeypatch):
    """As on the list page, the total is counted up to a bound (a commission's million problems are not counted on
    each call); past it the answer says there are more, the count stops there, and no page beyond it is offered."""
    import qingshan.core.paging as paging

    for n in range(4):
        drive_to(world, State.SIGNED, title=f"问题{n}")
    client = api(getattr(world, caller))
    body = client.get("/api/problems/?page_size=2").json()
    assert (body["count"], body["count_is_bounded"], len(body["results"])) == (4, False, 2)
    monkeypatch.setattr(paging, "COUNT_BOUND", 2)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/problems/?page_size=1").json()
    assert (body["count"], body["count_is_bounded"], len(body["results"])) == (2, True, 1)
    # The database was asked for one row more than the bound (or, for audience ids that may repeat, a prefix of
    # twice that: core.paging), not for all four.
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and re.search(r"LIMIT (3|6)\b", counts[0].upper())
    second = client.get("/api/problems/?page_size=1&page=2").json()
    assert second["count_is_bounded"] and len(second["results"]) == 1 and second["next"] is None
    assert client.get("/api/problems/?page_size=1&page=3").status_code == 404
    # A filter that leaves fewer than the bound is counted exactly.
    body = client.get("/api/problems/?q=问题3").json()
    assert (body["count"], body["count_is_bounded"]) == (1, False)


# Token, the caller's memberships (two queries), the count and the page itself, whatever the number of rows. (A
# token's first use in a minute adds one UPDATE of its last use: the tests warm the client up before counting.)
def test_list_query_count_does_not_grow_with_the_number_of_rows(world, api, assert_query_baseline):
    client = api(world.eco_handler)
    client.get("/api/inbox/")  # records the token's last use
    drive_to(world, State.SIGNED, files=[png()])
    few = _queries(client, "/api/problems/")
    for n in range(12):
        drive_to(world, State.IN_PROGRESS if n % 2 else State.DISPATCHED, title=f"问题{n}")
    assert client.get("/api/problems/").json()["count"] == 13
    assert _queries(client, "/api/problems/") == few
    with assert_query_baseline("filtered list"):
        client.get("/api/problems/?state=dispatched&overdue=false&ordering=handle_deadline")


# ---------------------------------------------------------------- detail


def test_detail_shows_units_extensions_attachments_actions_and_history(world, api):
    problem = drive_to(world, State.IN_PROGRESS, files=[png("登记照片.png")])
    services.problem_request_extension(actor=world.eco_handler, problem=problem, reason="需第三方检测",
                                       requested_deadline=problem.handle_deadline + dt.timedelta(days=20))
    body = api(world.officer).get(f"/api/problems/{problem.pk}/").json()

    assert [(a["unit"]["name"], a["role"], a["is_active"]) for a in body["assignments"]] == [
        ("市生态环境局", "lead", True), ("市水务局", "co", True)]
    assert [(e["status"], e["reason"], e["requested_by"]["name"]) for e in body["extensions"]] == [
        ("pending", "需第三方检测", "孙经办")]
    [attachment] = body["attachments"]
    assert attachment["original_name"] == "登记照片.png" and attachment["purpose"] == "registration"
    assert attachment["download_url"].endswith(f"/api/attachments/{attachment['id']}/download/")
    assert [a["action"] for a in body["allowed_actions"]] == [
        "reassign", "approve_extension", "reject_extension", "urge", "escalate", "merge", "share", "transfer_clue",
        "restrict"]
    decide = next(a for a in body["allowed_actions"] if a["action"] == "approve_extension")
    assert (decide["label"], decide["endpoint"]) == ("批准延期", f"/api/problems/{problem.pk}/approve-extension/")
    assert [e["action"] for e in body["timeline"]] == ["create", "dispatch", "sign", "start", "request_extension"]
    assert body["timeline"][1]["action_display"] == "交办" and body["timeline"][1]["actor_name"] == "李监督"
    assert body["timeline"][1]["actor_org_name"] == body["timeline"][1]["actor_org"]["name"]  # signed, as written


def test_the_unit_is_offered_its_own_actions_only(world, api):
    problem = drive_to(world, State.DISPATCHED)
    body = api(world.eco_handler).get(f"/api/problems/{problem.pk}/").json()
    assert [a["action"] for a in body["allowed_actions"]] == ["sign", "return"]
    # A co-unit and a read-only leader see the problem but may do nothing with it.
    for user in (world.water_handler, world.readonly):
        assert api(user).get(f"/api/problems/{problem.pk}/").json()["allowed_actions"] == []


def test_the_reporter_is_masked_for_supervisors_absent_for_units_and_never_clear(world, api):
    problem = drive_to(world, State.DISPATCHED, source=world.hotline, reporter_name="张三丰",
                       reporter_phone="13812345678")
    officer = api(world.officer).get(f"/api/problems/{problem.pk}/")
    assert officer.json()["reporter"] == {"name": "张**", "phone": "13*******78", "can_reveal": True}
    unit = api(world.eco_handler).get(f"/api/problems/{problem.pk}/")
    assert unit.json()["reporter"] is None
    leader = api(world.leader).get(f"/api/problems/{problem.pk}/")
    assert leader.json()["reporter"]["can_reveal"] is False
    for response in (officer, unit, leader):
        assert "张三丰" not in response.content.decode() and "13812345678" not in response.content.decode()


def test_shares_and_restriction_names_are_for_the_supervising_side(world, api):
    problem = drive_to(world, State.DISPATCHED)
    services.problem_share(actor=world.officer, problem=problem, partner=world.partner, reason="需攻坚办协调")
    services.problem_restrict(actor=world.officer, problem=problem, users=[world.eco_handler], reason="敏感")
    officer = api(world.officer).get(f"/api/problems/{problem.pk}/").json()
    assert [s["partner"]["name"] for s in officer["shares"]] == ["市污染防治攻坚办"]
    assert {u["name"] for u in officer["restricted_to"]} == {"李监督", "孙经办"}
    unit = api(world.eco_handler).get(f"/api/problems/{problem.pk}/").json()
    assert (unit["is_restricted"], unit["shares"], unit["restricted_to"]) == (True, [], [])
    # The restriction is not internal in the timeline either: the unit does not see who was named.
    assert "restrict" not in [e["action"] for e in unit["timeline"]]


def _with_history(world, *, files: int, rounds: int):
    """A hotline problem in progress with `files` attachments, `rounds` refused extensions and urgings, one share."""
    problem = drive_to(world, State.IN_PROGRESS, source=world.hotline, reporter_name="张三丰",
                       reporter_phone="13812345678", files=[png(f"照片{n}.png") for n in range(files)])
    for n in range(rounds):
        services.problem_request_extension(actor=world.eco_handler, problem=problem, reason=f"第{n + 1}次申请",
                                           requested_deadline=problem.handle_deadline + dt.timedelta(days=30))
        services.problem_decide_extension(actor=world.officer, problem=problem, approve=False, reason="不批准")
        services.problem_urge(actor=world.officer, problem=problem, note=f"催办{n + 1}")
    services.problem_share(actor=world.officer, problem=problem, partner=world.partner, reason="协调")
    return problem


# Token, memberships, the problem, each prefetched relation, reporter, co-unit capacity, timeline: fixed sizes.
def test_detail_query_count_does_not_grow_with_attachments_extensions_or_history(world, api,
                                                                                 assert_query_baseline):
    small = _with_history(world, files=1, rounds=1)
    big = _with_history(world, files=6, rounds=4)
    for user in (world.officer, world.eco_handler, world.water_handler):
        client = api(user)
        client.get("/api/inbox/")  # records the token's last use
        assert _queries(client, f"/api/problems/{big.pk}/") == _queries(client, f"/api/problems/{small.pk}/")
        with assert_query_baseline(f"detail as {user.username}"):
            client.get(f"/api/problems/{big.pk}/")


def test_download_names_the_file_and_logs_an_internal_event(world, api):
    problem = drive_to(world, State.DISPATCHED, files=[png("排口 照片.png")])
    attachment = problem.attachments.get()
    client = api(world.eco_handler)
    response = client.get(f"/api/attachments/{attachment.pk}/download/", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "filename*=utf-8''%E6%8E%92%E5%8F%A3%20%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # The download is in the supervisors' timeline, not in the unit's.
    def actions(c):
        return [e["action"] for e in c.get(f"/api/problems/{problem.pk}/").json()["timeline"]]

    assert "download" in actions(api(world.officer)) and "download" not in actions(client)
    # An error is still JSON, whatever the client asked for.
    assert_error(client.get("/api/attachments/999999/download/", HTTP_ACCEPT="application/octet-stream"), 404)


# ---------------------------------------------------------------- create


def test_register_with_json(world, api):
    response = api(world.officer).post("/api/problems/", {
        "title": "化工园区夜间异味", "description": "周边居民反映夜间刺鼻气味", "source": world.inspection.pk,
        "category": world.air_pollution.pk, "region": world.lvshui.pk, "location": "化工园区北门",
        "lng": "117.123456", "lat": "39.654321", "urgency": "urgent",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["urgency"], body["region"]["name"]) == ("received", "urgent", "绿水区")
    assert body["number"].startswith("QS-2026-")
    assert body["supervising_org"]["name"] == "第一监督检查室" and body["created_by"]["name"] == "李监督"
    assert [a["action"] for a in body["allowed_actions"]][:1] == ["dispatch"]
    assert [e["action"] for e in body["timeline"]] == [Action.CREATE]


def test_register_with_files_and_a_reporter_who_stays_confidential(world, api):
    response = api(world.officer).post("/api/problems/", {
        "title": "热线反映河道排污", "description": "夜间直排", "source": world.hotline.pk,
        "category": world.water_pollution.pk, "region": world.city.pk,
        "reporter_name": "张三丰", "reporter_phone": "13812345678",
        "files": [png("现场1.png"), png("现场2.png")], "restricted_to": [world.office_head.pk],
    }, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [a["original_name"] for a in body["attachments"]] == ["现场1.png", "现场2.png"]
    assert body["reporter"] == {"name": "张**", "phone": "13*******78", "can_reveal": True}
    assert body["is_restricted"] and {u["name"] for u in body["restricted_to"]} == {"李监督", "王主任"}
    assert "张三丰" not in response.content.decode() and "13812345678" not in response.content.decode()
    assert "reporter_name" not in body and "reporter_phone" not in body


def test_a_unit_may_not_register_problems(world, api):
    response = api(world.eco_handler).post("/api/problems/", {
        "title": "自查问题", "description": "自查发现", "source": world.inspection.pk,
        "category": world.water_pollution.pk, "region": world.city.pk}, format="json")
    assert_error(response, 403, message="只有纪检监察机构的工作人员可以在其管辖范围内登记问题。")
    assert api(world.officer).get("/api/problems/").json()["count"] == 0


# ---------------------------------------------------------------- inbox


def test_inbox_counts_the_callers_queues(world, api):
    drive_to(world, State.DISPATCHED)
    drive_to(world, State.DISPATCHED)
    drive_to(world, State.REPLIED)
    new_problem(world)
    unit = {q["key"]: q["count"] for q in api(world.eco_handler).get("/api/inbox/").json()}
    assert (unit["to_sign"], unit["to_handle"]) == (2, 0)
    officer = {q["key"]: (q["label"], q["count"]) for q in api(world.officer).get("/api/inbox/").json()}
    assert officer["to_dispatch"] == ("待交办", 1) and officer["to_review"] == ("待审核", 1)
    assert api(world.outsider).get("/api/inbox/").json() == []


@pytest.mark.parametrize("path", ["/api/problems/abc/", "/api/problems/1/nonsense/"])
def test_malformed_paths_are_404(world, api, path):
    assert api(world.officer).get(path).status_code == 404


def test_options_describe_each_input_without_listing_people_or_units(world, api):
    problem = drive_to(world, State.DISPATCHED)
    client = api(world.eco_handler)
    fields = client.options(f"/api/problems/{problem.pk}/restrict/").json()["actions"]["POST"]
    assert set(fields) == {"users", "reason"} and fields["reason"]["label"] == "理由"
    assert "孙经办" not in str(fields) and "choices" not in str(fields["users"])
    assert set(client.options(f"/api/problems/{problem.pk}/dispatch/").json()["actions"]["POST"]) == {
        "lead_unit", "co_units", "handle_deadline", "note"}


def test_a_browser_gets_json_not_a_form_page(world):
    drive_to(world, State.DISPATCHED)
    client = APIClient()
    client.force_login(world.officer)
    response = client.get("/api/problems/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["count"] == 1
