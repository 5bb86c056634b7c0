"""Bad input gets a Chinese 400 naming the field, and changes nothing: no state, no file, no audit event."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshan.audit.models import AuditEvent
from qingshan.problems.choices import State
from qingshan.problems.models import Attachment, Problem
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import png

from .utils import assert_error


def _frozen(problem):
    problem.refresh_from_db()
    return (problem.state, problem.lead_unit_id, problem.handle_deadline, problem.escalation_level,
            problem.is_restricted, problem.merged_into_id, problem.reply_text, problem.urge_count,
            problem.shares.count(), problem.extensions.count())


# (state to start from, acting user, endpoint, body, expected field, expected message or a prefix of it ending in …)
CASES = [
    (State.RECEIVED, "officer", "dispatch", {}, "lead_unit", "主办单位：该字段是必填项。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "市水务局"}, "lead_unit", "主办单位：单位 ID 须为整数。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": 999999}, "lead_unit",
     "主办单位：ID 为 999999 的单位不存在。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "eco", "co_units": [999999]}, "co_units",
     "协办单位：ID 为 999999 的单位不存在。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "eco", "co_units": 5}, "co_units",
     "协办单位：须为 ID 列表。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "commission"}, "lead_unit",
     "“青山市纪委监委”不是有效的责任单位。"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "eco", "handle_deadline": "2026-13-40"}, "handle_deadline",
     "办理期限：日期格式错误。…"),
    (State.RECEIVED, "officer", "dispatch", {"lead_unit": "eco", "handle_deadline": "2026-03-01"}, "handle_deadline",
     "办理期限不能早于今天。"),
    (State.SIGNED, "officer", "reassign", {"lead_unit": "water", "reason": "  "}, "reason", "请填写改派理由。"),
    (State.DISPATCHED, "eco_handler", "return", {}, "reason", "退回理由：该字段是必填项。"),
    (State.DISPATCHED, "eco_handler", "return", {"reason": ""}, "reason", "退回须说明不属于本单位职责的依据。"),
    (State.IN_PROGRESS, "eco_handler", "request-extension", {"requested_deadline": "2026-03-03", "reason": "忙"},
     "requested_deadline", "申请延至的日期须晚于当前办理期限。"),
    (State.IN_PROGRESS, "eco_handler", "request-extension", {"requested_deadline": 20260401, "reason": "忙"},
     "requested_deadline", "申请延至：日期格式错误。…"),
    (State.IN_PROGRESS, "eco_handler", "reply", {"text": "已处理"}, "files",
     "申请办结须上传至少一份佐证材料（照片、文件等）。"),
    (State.REPLIED, "officer", "review", {"decision": "maybe"}, "decision", "审核结论：“maybe” 不是合法选项。"),
    (State.REPLIED, "officer", "review", {"decision": "reject"}, "comment", "发回重办须写明理由。"),
    (State.CLOSED, "officer", "revisit", {"satisfied": "perhaps", "resolved": True}, "satisfied",
     "是否满意：必须是有效的布尔值。"),
    (State.DISPATCHED, "officer", "urge", {"note": ""}, "note", "请填写催办内容。"),
    (State.DISPATCHED, "officer", "escalate", {"level": "high", "reason": "拖延"}, "level",
     "督办等级：请填写合法的整数值。"),
    (State.DISPATCHED, "officer", "escalate", {"level": 9, "reason": "拖延"}, "level", "督办等级只能提高。"),
    (State.DISPATCHED, "officer", "merge", {"primary": 999999, "reason": "重复"}, "primary",
     "并入的主问题：未找到 ID 为 999999 的问题，或您无权查看。"),
    (State.DISPATCHED, "officer", "merge", {"primary": "self", "reason": "重复"}, "primary", "不能将问题并入其自身。"),
    (State.DISPATCHED, "officer", "share", {"partner": "eco", "reason": "协调"}, "partner",
     "“市生态环境局”不是协作单位。"),
    (State.DISPATCHED, "officer", "restrict", {"users": [999999], "reason": "敏感"}, "users",
     "知悉人员：ID 为 999999 的用户不存在。"),
    (State.DISPATCHED, "officer", "reveal-reporter", {"reason": "  "}, "reason", "查看事由：该字段不能为空。"),
    (State.IN_PROGRESS, "officer", "decide-extension", {"approve": True}, None, "该问题没有待审批的延期申请。"),
]


def _resolve(world, problem, body):
    """Turn the symbolic references of the table ("eco", "self") into ids."""
    names = {"eco": world.eco.pk, "water": world.water.pk, "commission": world.commission.pk, "self": problem.pk}
    return {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize("state,actor,endpoint,body,field,message", CASES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(world, api, state, actor, endpoint, body, field,
                                                              message):
    problem = drive_to(world, state)
    before, events, files = _frozen(problem), AuditEvent.objects.count(), Attachment.objects.count()
    response = api(getattr(world, actor)).post(f"/api/problems/{problem.pk}/{endpoint}/",
                                               _resolve(world, problem, body), format="json")
    detail = assert_error(response, 400, field=field)["detail"]
    if message.endswith("…"):
        assert detail.startswith(message[:-1]), detail
    else:
        assert detail == message
    assert _frozen(problem) == before
    assert AuditEvent.objects.count() == events
    assert Attachment.objects.count() == files


def test_a_renamed_file_is_refused_and_not_stored(world, api):
    problem = drive_to(world, State.IN_PROGRESS)
    fake = SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    events = AuditEvent.objects.count()
    response = api(world.eco_handler).post(f"/api/problems/{problem.pk}/reply/",
                                           {"text": "已处理", "files": [png(), fake]}, format="multipart")
    assert_error(response, 400, field="files", message="附件“整改报告.pdf”的内容与扩展名不符，可能已损坏或被改名。")
    problem.refresh_from_db()
    assert problem.state == State.IN_PROGRESS
    assert problem.attachments.filter(purpose="evidence").count() == 0
    assert AuditEvent.objects.count() == events


def test_malformed_json_and_non_object_bodies(world, api):
    problem = drive_to(world, State.DISPATCHED)
    client = api(world.officer)
    response = client.post(f"/api/problems/{problem.pk}/urge/", "{not json", content_type="application/json")
    assert_error(response, 400, message="请求内容无法解析，请检查 JSON 或表单格式以及 Content-Type。")
    response = client.post(f"/api/problems/{problem.pk}/urge/", ["催办"], format="json")
    assert_error(response, 400, field=None)
    problem.refresh_from_db()
    assert problem.urge_count == 0


CREATE_CASES = [
    ({"title": None}, "title", "标题：该字段是必填项。"),
    ({"title": "  "}, "title", "请填写问题标题。"),
    ({"source": 999999}, "source", "来源：ID 为 999999 的问题来源不存在。"),
    ({"region": "青山市"}, "region", "所在区划：行政区划 ID 须为整数。"),
    ({"lat": "north"}, "lat", "纬度：请填写合法的数字。"),
    ({"urgency": "very"}, "urgency", "紧急程度：“very” 不是合法选项。"),
    ({"reporter_name": "张三"}, "reporter_phone", "来电人姓名和电话须同时填写。"),
]


@pytest.mark.parametrize("change,field,message", CREATE_CASES, ids=[c[1] for c in CREATE_CASES])
def test_bad_registration_creates_nothing(world, api, change, field, message):
    body = {"title": "河道排污", "description": "夜间直排", "source": world.inspection.pk,
            "category": world.water_pollution.pk, "region": world.city.pk, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api(world.officer).post("/api/problems/", body, format="json")
    assert_error(response, 400, field=field, message=message)
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_registration_with_a_bad_file_stores_nothing(world, api):
    response = api(world.officer).post("/api/problems/", {
        "title": "河道排污", "description": "夜间直排", "source": world.inspection.pk,
        "category": world.water_pollution.pk, "region": world.city.pk,
        "files": [png(), SimpleUploadedFile("脚本.exe", b"MZ\x90\x00", content_type="application/octet-stream")],
    }, format="multipart")
    assert_error(response, 400, field="files")
    assert not Problem.objects.exists() and not Attachment.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("query,field", [("state=bogus", "state"), ("received_from=yesterday", "received_from"),
                                         ("lead_unit=999999", "lead_unit"), ("kpi=happiness", "kpi")])
def test_bad_list_filters_are_a_chinese_400_not_an_empty_list(world, api, query, field):
    new_problem(world)
    body = assert_error(api(world.officer).get(f"/api/problems/?{query}"), 400, field=field)
    assert body["detail"].startswith("查询条件有误：")


def test_a_page_past_the_end_is_a_chinese_404(world, api):
    new_problem(world)
    assert_error(api(world.officer).get("/api/problems/?page=9"), 404)

