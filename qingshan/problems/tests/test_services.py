"""The work loop's services: deadlines, extensions, on-time flags, review, merge, return, reassign, files, reporters."""
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from qingshan.access.problems import access_problem, reveal_problem_reporter, visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.problems import services
from qingshan.problems.choices import Action, ExtensionStatus, State, Urgency
from qingshan.problems.models import Attachment, Problem, Reporter, TimeLimitRule
from qingshan.problems.selectors import reporter_for_display
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import PNG, WORLD_NOW, pdf, png

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    # 2026-03-02, a Monday: a site-inspection problem gets 签收 by 03-03 and 办理 by 03-23 (15 working days).
    time_machine.move_to(WORLD_NOW, tick=False)


def dispatched(w, **kwargs) -> Problem:
    return services.problem_dispatch(actor=w.officer, problem=new_problem(w, **kwargs), lead_unit=w.eco)


# ---------------------------------------------------------------- deadlines at dispatch


def test_dispatch_sets_deadlines_in_working_days_counted_from_the_next_day(world):
    problem = dispatched(world)
    assert problem.sign_deadline == dt.date(2026, 3, 3)
    assert problem.handle_deadline == problem.original_handle_deadline == dt.date(2026, 3, 23)


def test_hotline_rule_of_ten_days_beats_the_default_fifteen(world):
    problem = dispatched(world, source=world.hotline)
    assert problem.handle_deadline == dt.date(2026, 3, 16)


def test_the_most_specific_time_limit_rule_wins(world):
    w = world
    TimeLimitRule.objects.create(category=w.air_pollution, handle_days=5)
    TimeLimitRule.objects.create(source=w.hotline, category=w.air_pollution, handle_days=3)
    TimeLimitRule.objects.create(urgency=Urgency.URGENT, handle_days=0)
    air = services.problem_create(actor=w.officer, title="工地扬尘", description="夜间施工扬尘", source=w.inspection,
                                  category=w.air_pollution, region=w.city)
    air_hotline = services.problem_create(actor=w.officer, title="工地扬尘", description="扬尘", source=w.hotline,
                                          category=w.air_pollution, region=w.city)
    urgent = new_problem(w, urgency=Urgency.URGENT)
    deadlines = [services.problem_dispatch(actor=w.officer, problem=p, lead_unit=w.eco).handle_deadline
                 for p in (air, air_hotline, urgent)]
    # 0 working days is an emergency: due the same (working) day.
    assert deadlines == [dt.date(2026, 3, 9), dt.date(2026, 3, 5), dt.date(2026, 3, 2)]


def test_deadlines_skip_national_day(world, time_machine):
    time_machine.move_to(at(dt.date(2026, 9, 30)), tick=False)
    problem = dispatched(world)
    # 10-01..10-07 off, Saturday 10-10 a make-up working day.
    assert (problem.sign_deadline, problem.handle_deadline) == (dt.date(2026, 10, 8), dt.date(2026, 10, 27))


def test_a_given_handling_deadline_in_the_past_is_refused(world):
    problem = new_problem(world)
    with pytest.raises(ServiceError, match="办理期限不能早于今天。"):
        services.problem_dispatch(actor=world.officer, problem=problem, lead_unit=world.eco,
                                  handle_deadline=dt.date(2026, 3, 1))
    problem.refresh_from_db()
    assert (problem.state, problem.handle_deadline) == (State.RECEIVED, None)


# ---------------------------------------------------------------- extensions


def request(w, problem, days=10, reason="需协调上游企业停产整治"):
    return services.problem_request_extension(actor=w.eco_handler, problem=problem, reason=reason,
                                              requested_deadline=problem.handle_deadline + dt.timedelta(days=days))


def test_extension_can_be_requested_up_to_one_working_day_before_expiry(world, time_machine):
    problem = drive_to(world, State.IN_PROGRESS)  # handle deadline Monday 03-23
    time_machine.move_to(at(dt.date(2026, 3, 20)), tick=False)  # Friday: one working day left
    assert request(world, problem).status == ExtensionStatus.PENDING


def test_extension_is_refused_on_the_last_day(world, time_machine):
    problem = drive_to(world, State.IN_PROGRESS)
    time_machine.move_to(at(dt.date(2026, 3, 23)), tick=False)
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        request(world, problem)
    assert refused.value.message == "延期须在办理期限届满前至少 1 个工作日提出（期限：2026-03-23）。"
    assert not problem.extensions.exists()
    assert AuditEvent.objects.count() == events


def test_extension_is_refused_after_expiry(world, time_machine):
    problem = drive_to(world, State.IN_PROGRESS)
    time_machine.move_to(at(dt.date(2026, 3, 25)), tick=False)
    with pytest.raises(ServiceError, match="延期须在办理期限届满前至少 1 个工作日提出"):
        request(world, problem)


def test_extension_needs_a_reason_and_a_later_date(world):
    problem = drive_to(world, State.SIGNED)
    with pytest.raises(ServiceError, match="请填写延期理由。"):
        request(world, problem, reason="  ")
    with pytest.raises(ServiceError, match="申请延至的日期须晚于当前办理期限。"):
        request(world, problem, days=0)
    assert not problem.extensions.exists()


def test_approved_extension_moves_the_deadline_and_keeps_the_original(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    request(w, problem, days=14)
    extension = services.problem_decide_extension(actor=w.officer, problem=problem, approve=True, reason="同意")
    problem.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
    assert (extension.old_deadline, problem.handle_deadline) == (dt.date(2026, 3, 23), dt.date(2026, 4, 6))
    assert problem.original_handle_deadline == dt.date(2026, 3, 23)
    # A second extension moves it again; the original stays the first deadline.
    request(w, problem, days=7)
    services.problem_decide_extension(actor=w.officer, problem=problem, approve=True, deadline=dt.date(2026, 4, 10))
    problem.refresh_from_db()
    assert (problem.handle_deadline, problem.original_handle_deadline) == (dt.date(2026, 4, 10), dt.date(2026, 3, 23))
    assert list(problem.extensions.values_list("old_deadline", flat=True)) == [dt.date(2026, 3, 23),
                                                                               dt.date(2026, 4, 6)]


def test_rejected_extension_leaves_the_deadline_and_needs_a_reason(world):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    request(w, problem)
    with pytest.raises(ServiceError, match="不予延期须说明理由。"):
        services.problem_decide_extension(actor=w.officer, problem=problem, approve=False)
    assert problem.extensions.get().status == ExtensionStatus.PENDING
    services.problem_decide_extension(actor=w.officer, problem=problem, approve=False, reason="理由不充分")
    problem.refresh_from_db()
    assert problem.handle_deadline == dt.date(2026, 3, 23)
    assert problem.extensions.get().status == ExtensionStatus.REJECTED


def test_only_one_extension_may_be_pending(world):
    problem = drive_to(world, State.IN_PROGRESS)
    request(world, problem)
    with pytest.raises(ServiceError, match="已有一项延期申请待审批，不能重复申请。"):
        request(world, problem, days=20)
    assert problem.extensions.count() == 1
    assert services.allowed_actions(world.eco_handler, problem).count(Action.REQUEST_EXTENSION) == 0


def test_deciding_without_a_pending_extension_is_refused(world):
    problem = drive_to(world, State.IN_PROGRESS)
    with pytest.raises(ServiceError, match="该问题没有待审批的延期申请。"):
        services.problem_decide_extension(actor=world.officer, problem=problem, approve=True)


# ---------------------------------------------------------------- on time, frozen at the transition


def test_late_sign_and_late_reply_are_frozen_as_late(world, time_machine):
    w = world
    problem = dispatched(w)
    time_machine.move_to(at(dt.date(2026, 3, 4)), tick=False)  # sign deadline was 03-03
    services.problem_sign(actor=w.eco_handler, problem=problem)
    services.problem_start(actor=w.eco_handler, problem=problem)
    time_machine.move_to(at(dt.date(2026, 3, 24)), tick=False)  # handling deadline was 03-23
    services.problem_reply(actor=w.eco_handler, problem=problem, text="已整改。", files=[png()])
    services.problem_review(actor=w.officer, problem=problem, decision=Action.APPROVE)
    problem.refresh_from_db()
    assert (problem.signed_on_time, problem.replied_on_time, problem.closed_on_time) == (False, False, False)


def test_on_time_flags_do_not_drift_afterwards(world, time_machine):
    w = world
    problem = dispatched(w)
    time_machine.move_to(at(dt.date(2026, 3, 3), hour=23), tick=False)  # the last hour of the sign deadline
    services.problem_sign(actor=w.eco_handler, problem=problem)
    services.problem_start(actor=w.eco_handler, problem=problem)
    time_machine.move_to(at(dt.date(2026, 3, 23), hour=17), tick=False)  # the handling deadline itself
    services.problem_reply(actor=w.eco_handler, problem=problem, text="已整改。", files=[png()])
    time_machine.move_to(at(dt.date(2026, 3, 30)), tick=False)  # review after the deadline: the reply counts
    services.problem_review(actor=w.officer, problem=problem, decision=Action.APPROVE)
    time_machine.move_to(at(dt.date(2027, 6, 1)), tick=False)
    problem.refresh_from_db()
    assert (problem.signed_on_time, problem.replied_on_time, problem.closed_on_time) == (True, True, True)


def test_a_reply_after_an_approved_extension_is_on_time(world, time_machine):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    request(w, problem, days=14)
    services.problem_decide_extension(actor=w.officer, problem=problem, approve=True)
    time_machine.move_to(at(dt.date(2026, 4, 3)), tick=False)  # after the original 03-23, before 04-06
    services.problem_reply(actor=w.eco_handler, problem=problem, text="已整改。", files=[png()])
    problem.refresh_from_db()
    assert problem.replied_on_time is True


# ---------------------------------------------------------------- reply and review


def test_reply_requires_evidence(world):
    problem = drive_to(world, State.IN_PROGRESS)
    with pytest.raises(ServiceError) as refused:
        services.problem_reply(actor=world.eco_handler, problem=problem, text="已整改。")
    assert refused.value.message == "申请办结须上传至少一份佐证材料（照片、文件等）。"
    assert refused.value.field == "files"
    problem.refresh_from_db()
    assert (problem.state, problem.reply_text) == (State.IN_PROGRESS, "")


def test_reply_requires_a_text(world):
    problem = drive_to(world, State.IN_PROGRESS)
    with pytest.raises(ServiceError, match="请填写办理情况。"):
        services.problem_reply(actor=world.eco_handler, problem=problem, text=" ", files=[png()])
    assert not problem.attachments.exists()


def test_reject_requires_a_comment_and_is_counted(world):
    w = world
    problem = drive_to(w, State.REPLIED)
    with pytest.raises(ServiceError, match="发回重办须写明理由。"):
        services.problem_review(actor=w.officer, problem=problem, decision=Action.REJECT, comment="")
    problem.refresh_from_db()
    assert (problem.state, problem.review_count, problem.rejection_count) == (State.REPLIED, 0, 0)

    services.problem_review(actor=w.officer, problem=problem, decision=Action.REJECT, comment="佐证照片不清晰")
    problem.refresh_from_db()
    assert (problem.state, problem.review_count, problem.rejection_count) == (State.IN_PROGRESS, 1, 1)
    services.problem_reply(actor=w.eco_handler, problem=problem, text="补充了照片。", files=[png()])
    services.problem_review(actor=w.officer, problem=problem, decision=Action.REJECT, comment="仍未整改到位")
    services.problem_reply(actor=w.eco_handler, problem=problem, text="已彻底封堵。", files=[pdf()])
    services.problem_review(actor=w.officer, problem=problem, decision=Action.APPROVE)
    problem.refresh_from_db()
    assert (problem.state, problem.review_count, problem.rejection_count) == (State.CLOSED, 3, 2)
    event = AuditEvent.objects.filter(object_id=problem.pk, action=Action.REJECT).first()
    assert event.reason == "佐证照片不清晰"


def test_an_invalid_review_decision_is_refused(world):
    problem = drive_to(world, State.REPLIED)
    with pytest.raises(ServiceError, match="审核结论无效。"):
        services.problem_review(actor=world.officer, problem=problem, decision=Action.URGE)


# ---------------------------------------------------------------- merge, return, reassign


def test_merge_links_both_ways_and_keeps_both(world):
    w = world
    primary = drive_to(w, State.IN_PROGRESS, title="主问题")
    duplicate = drive_to(w, State.DISPATCHED, title="重复件")
    services.problem_merge(actor=w.officer, duplicate=duplicate, primary=primary, reason="同一排口")
    duplicate.refresh_from_db()
    primary.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into) == (State.MERGED, primary)
    assert list(primary.duplicates.all()) == [duplicate]
    assert primary.state == State.IN_PROGRESS
    assert not duplicate.assignments.filter(is_active=True).exists()
    for problem, other in ((duplicate, primary), (primary, duplicate)):
        event = AuditEvent.objects.filter(object_id=problem.pk, action=Action.MERGE).get()
        assert other.number in str(event.payload)


def test_merging_into_a_merged_problem_is_refused(world):
    w = world
    top = drive_to(w, State.RECEIVED, title="主问题")
    merged = drive_to(w, State.RECEIVED, title="已并单")
    services.problem_merge(actor=w.officer, duplicate=merged, primary=top, reason="同一排口")
    third = drive_to(w, State.RECEIVED, title="第三件")
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        services.problem_merge(actor=w.officer, duplicate=third, primary=merged, reason="同一排口")
    assert refused.value.message == f"问题 {merged.number} 本身已并入其他问题，请并入主问题。"
    third.refresh_from_db()
    assert (third.state, third.merged_into) == (State.RECEIVED, None)
    assert AuditEvent.objects.count() == events
    with pytest.raises(ServiceError, match="不能将问题并入其自身。"):
        services.problem_merge(actor=w.officer, duplicate=third, primary=third, reason="同一排口")


def test_merging_into_a_problem_the_actor_cannot_supervise_is_refused(world):
    w = world
    other_district = drive_to(w, State.RECEIVED, region=w.jiangan)
    mine = services.problem_create(actor=w.district_staff, title="绿水区排口", description="污水直排",
                                   source=w.inspection, category=w.water_pollution, region=w.lvshui)
    with pytest.raises(PermissionRefused, match="您无权督办目标问题，不能并单。"):
        services.problem_merge(actor=w.district_staff, duplicate=mine, primary=other_district, reason="同一排口")


def test_return_clears_the_lead_unit_and_the_units_lose_sight(world):
    w = world
    problem = drive_to(w, State.SIGNED)
    assert access_problem(w.eco_handler, problem.pk) == problem
    with pytest.raises(ServiceError, match="退回须说明不属于本单位职责的依据。"):
        services.problem_return(actor=w.eco_handler, problem=problem, reason="")
    services.problem_return(actor=w.eco_handler, problem=problem, reason="属水务局职责，依据：三定方案")
    problem.refresh_from_db()
    assert (problem.state, problem.lead_unit, problem.reassign_count) == (State.RETURNED, None, 1)
    for unit_user in (w.eco_handler, w.eco_head, w.water_handler):
        assert not visible_problems(unit_user).filter(pk=problem.pk).exists()
        with pytest.raises(NotFound):
            access_problem(unit_user, problem.pk)
    # The supervisor still sees it, in the queue to dispatch again.
    assert access_problem(w.officer, problem.pk).state == State.RETURNED
    redispatched = services.problem_dispatch(actor=w.officer, problem=problem, lead_unit=w.water)
    assert redispatched.lead_unit == w.water
    assert access_problem(w.water_handler, problem.pk) == problem


def test_reassign_restarts_the_clock_and_moves_sight(world, time_machine):
    w = world
    problem = drive_to(w, State.IN_PROGRESS)
    time_machine.move_to(at(dt.date(2026, 3, 10)), tick=False)
    with pytest.raises(ServiceError, match="请填写改派理由。"):
        services.problem_reassign(actor=w.officer, problem=problem, lead_unit=w.water, reason="")
    with pytest.raises(ServiceError, match="新的主办单位与当前主办单位相同。"):
        services.problem_reassign(actor=w.officer, problem=problem, lead_unit=w.eco, reason="重新交办")
    services.problem_reassign(actor=w.officer, problem=problem, lead_unit=w.lvshui_housing, reason="属住建局职责")
    problem.refresh_from_db()
    assert (problem.state, problem.lead_unit, problem.reassign_count) == (State.DISPATCHED, w.lvshui_housing, 1)
    assert (problem.sign_deadline, problem.handle_deadline) == (dt.date(2026, 3, 11), dt.date(2026, 3, 31))
    assert problem.original_handle_deadline == dt.date(2026, 3, 31)
    assert (problem.signed_at, problem.signed_on_time) == (None, None)
    assert access_problem(w.housing_handler, problem.pk) == problem
    with pytest.raises(NotFound):
        access_problem(w.eco_handler, problem.pk)


def test_dispatch_refuses_a_body_that_is_not_a_unit(world):
    problem = new_problem(world)
    with pytest.raises(ServiceError, match="“市污染防治攻坚办”不是有效的责任单位。"):
        services.problem_dispatch(actor=world.officer, problem=problem, lead_unit=world.partner)
    problem.refresh_from_db()
    assert (problem.state, problem.lead_unit) == (State.RECEIVED, None)


# ---------------------------------------------------------------- attachments


def stored_files() -> set[Path]:
    root = Path(default_storage.location)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


BAD_UPLOADS = [
    pytest.param(lambda: SimpleUploadedFile("报告.exe", b"MZ\x90\x00" * 10), "附件“报告.exe”的类型不允许上传。",
                 id="wrong-extension"),
    pytest.param(lambda: SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00 not a pdf at all"),
                 "附件“整改报告.pdf”的内容与扩展名不符，可能已损坏或被改名。", id="pdf-that-is-not-a-pdf"),
    pytest.param(lambda: SimpleUploadedFile("照片.png", b""), "附件“照片.png”是空文件。", id="empty"),
    pytest.param(lambda: SimpleUploadedFile("照片.png", PNG + b"\x00" * (1024 * 1024)),
                 "附件“照片.png”超过大小限制（1 MB）。", id="too-large"),
]


@pytest.mark.parametrize(("make_upload", "message"), BAD_UPLOADS)
def test_a_bad_attachment_is_refused_and_leaves_nothing_behind(world, settings, make_upload, message):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    problem = drive_to(world, State.IN_PROGRESS)
    files_before, events = stored_files(), AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        services.attachment_add(actor=world.eco_handler, problem=problem, upload=make_upload())
    assert refused.value.message.startswith(message)
    assert not Attachment.objects.filter(problem=problem).exists()
    assert stored_files() == files_before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("make_upload", "message"), BAD_UPLOADS)
def test_one_bad_file_in_a_reply_stores_none_of_them(world, settings, make_upload, message):
    """The good photo uploaded before the bad file is removed from storage again: all or nothing."""
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    problem = drive_to(world, State.IN_PROGRESS)
    files_before = stored_files()
    with pytest.raises(ServiceError, match=message):
        services.problem_reply(actor=world.eco_handler, problem=problem, text="已整改。",
                               files=[png(), make_upload()])
    problem.refresh_from_db()
    assert problem.state == State.IN_PROGRESS
    assert not problem.attachments.exists()
    assert stored_files() == files_before


def test_a_bad_file_at_registration_creates_no_problem(world):
    files_before, problems = stored_files(), Problem.objects.count()
    with pytest.raises(ServiceError, match="的内容与扩展名不符"):
        new_problem(world, files=[png(), SimpleUploadedFile("现场.jpg", b"GIF89a....")])
    assert Problem.objects.count() == problems
    assert stored_files() == files_before


def test_a_good_attachment_is_stored_under_a_random_name(world):
    problem = drive_to(world, State.IN_PROGRESS)
    attachment = services.attachment_add(actor=world.eco_handler, problem=problem, upload=pdf("整改方案.pdf"))
    assert attachment.original_name == "整改方案.pdf"
    assert "整改方案" not in attachment.file.name
    assert attachment.file.read().startswith(b"%PDF")
    assert attachment.uploaded_by_org == world.eco


def test_attachments_are_refused_to_people_not_working_on_the_problem(world):
    problem = drive_to(world, State.IN_PROGRESS)
    for person in (world.housing_handler, world.leader, world.partner_staff):
        with pytest.raises(PermissionRefused, match="只有督办人员或承办单位可以上传附件。"):
            services.attachment_add(actor=person, problem=problem, upload=png())
    assert not problem.attachments.filter(purpose="other").exists()


# ---------------------------------------------------------------- the reporter's contact details


def hotline_problem(w):
    return new_problem(w, source=w.hotline, reporter_name="张三丰", reporter_phone="13812345678")


def test_reporter_contact_is_stored_encrypted_and_masked(world):
    problem = hotline_problem(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_encrypted, phone_encrypted, name_masked, phone_masked FROM problems_reporter "
                       "WHERE problem_id = %s", [problem.pk])
        raw = cursor.fetchone()
    assert not any("13812345678" in column or "张三丰" in column for column in raw)
    assert raw[2:] == ("张**", "13*******78")
    # Nor does the audit log carry it.
    logged = AuditEvent.objects.filter(object_id=problem.pk).values_list("reason", "payload")
    assert "13812345678" not in str(list(logged))
    assert reporter_for_display(user=world.officer, problem=problem) == {
        "name": "张**", "phone": "13*******78", "can_reveal": True}


def test_reporter_name_and_phone_go_together(world):
    with pytest.raises(ServiceError, match="来电人姓名和电话须同时填写。"):
        new_problem(world, source=world.hotline, reporter_name="张三丰")
    assert not Reporter.objects.exists()


def test_reveal_decrypts_and_writes_an_internal_audit_event_with_the_reason(world):
    problem = hotline_problem(world)
    contact = reveal_problem_reporter(user=world.officer, problem=problem, reason="回访核实整改情况")
    assert contact == {"name": "张三丰", "phone": "13812345678"}
    event = AuditEvent.objects.filter(object_id=problem.pk).latest("seq")
    assert (event.action, event.internal, event.reason, event.actor) == (
        Action.REVEAL_REPORTER, True, "回访核实整改情况", world.officer)
    assert event.actor_org == world.office
    assert "13812345678" not in str(event.payload)


def test_reveal_is_refused_to_units_and_leaders_and_without_a_reason(world):
    w = world
    problem = services.problem_dispatch(actor=w.officer, problem=hotline_problem(w), lead_unit=w.eco)
    events = AuditEvent.objects.count()
    for person in (w.eco_handler, w.eco_head, w.water_handler, w.leader, w.partner_staff):
        with pytest.raises(PermissionRefused) as refused:
            reveal_problem_reporter(user=person, problem=problem, reason="核实")
        assert refused.value.message == "您无权查看该问题来电人的联系方式。"
    with pytest.raises(ServiceError) as refused:
        reveal_problem_reporter(user=w.officer, problem=problem, reason="  ")
    assert refused.value.message == "查看来电人联系方式须填写事由。"
    assert AuditEvent.objects.count() == events
    assert reporter_for_display(user=w.eco_handler, problem=problem) is None
