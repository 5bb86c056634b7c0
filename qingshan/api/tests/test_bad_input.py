"""Input that used to crash or overflow the problems API: a Chinese 400 and nothing stored (issue 9, 9 and 13)."""
import pytest

from qingshan.audit.models import AuditEvent
from qingshan.problems.choices import State
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import drive_to, new_problem

from .utils import assert_error


def _registration(world, **change):
    return {"title": "河道排污", "description": "夜间直排", "source": world.inspection.pk,
            "category": world.water_pollution.pk, "region": world.city.pk, **change}


def test_deeply_nested_json_is_a_chinese_400(world, api):
    body = "[" * 100_000 + "]" * 100_000
    response = api(world.officer).post("/api/problems/", body, content_type="application/json")
    assert_error(response, 400, message="请求内容嵌套超过 32 层，无法处理。")
    nested = '{"title": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert_error(api(world.officer).post("/api/problems/", nested, content_type="application/json"), 400)
    # Brackets inside strings are text, not nesting.
    response = api(world.officer).post("/api/problems/", _registration(world, title="[" * 100), format="json")
    assert response.status_code == 201
    assert_error(api(world.officer).post("/api/problems/", b"\xff\xfe", content_type="application/json"), 400)


@pytest.mark.parametrize("change,field,message", [
    ({"title": "长" * 201}, "title", "标题：不能超过 200 个字符。"),
    ({"title": "长" * 5000}, "title", "标题：不能超过 200 个字符。"),
    ({"location": "路" * 201}, "location", "具体位置：不能超过 200 个字符。"),
    ({"reporter_name": "张" * 51, "reporter_phone": "13812345678"}, "reporter_name",
     "来电人姓名：不能超过 50 个字符。"),
    ({"description": "述" * 10_001}, "description", "问题描述：不能超过 10000 个字符。"),
], ids=["title", "title-5000", "location", "reporter", "description"])
def test_text_longer_than_its_column_is_refused(world, api, change, field, message):
    response = api(world.officer).post("/api/problems/", _registration(world, **change), format="json")
    assert_error(response, 400, field=field, message=message)
    assert not Problem.objects.exists() and not AuditEvent.objects.exists()


def test_text_as_long_as_its_column_is_stored(world, api):
    response = api(world.officer).post("/api/problems/", _registration(world, title="长" * 200), format="json")
    assert response.status_code == 201
    assert Problem.objects.get().title == "长" * 200


@pytest.mark.parametrize("deadline", ["9999-12-31", "1900-01-01"])
def test_a_deadline_outside_the_sane_range_is_refused(world, api, deadline):
    problem = new_problem(world)
    response = api(world.officer).post(f"/api/problems/{problem.pk}/dispatch/",
                                       {"lead_unit": world.eco.pk, "handle_deadline": deadline}, format="json")
    assert_error(response, 400, field="handle_deadline", message="办理期限：日期须在 2000-01-01 至 2099-12-31 之间。")
    problem.refresh_from_db()
    assert problem.state == State.RECEIVED


@pytest.mark.parametrize("bad", ["²", str(10**25)])
def test_odd_ids_are_refused_not_crashed(world, api, bad):
    problem, primary = drive_to(world, State.DISPATCHED), drive_to(world, State.DISPATCHED)
    client = api(world.officer)
    assert_error(client.post(f"/api/problems/{problem.pk}/merge/", {"primary": bad, "reason": "重复"},
                             format="json"), 400, field="primary")
    assert_error(client.post(f"/api/problems/{problem.pk}/restrict/", {"users": [bad], "reason": "涉密"},
                             format="json"), 400, field="users")
    assert primary.pk and not problem.is_restricted


@pytest.mark.parametrize("state", [State.CLOSED, State.STAGE_CLOSED, State.REVISITED, State.MERGED])
def test_no_attachment_can_be_added_to_a_closed_problem(world, api, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    problem = drive_to(world, state)
    for user in (world.eco_handler, world.officer):
        upload = SimpleUploadedFile("补充.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
        response = api(user).post(f"/api/problems/{problem.pk}/attachments/", {"file": upload}, format="multipart")
        assert response.status_code in (400, 404), (user, response.status_code)
        if response.status_code == 400:
            assert "已不能再上传附件" in response.json()["detail"]
    assert not problem.attachments.filter(original_name="补充.pdf").exists()
