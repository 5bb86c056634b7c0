"""Services of the supervision lists: report lifecycle and review, slots per cadence, indicators, escalation."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.choices import State as ProblemState
from qingshan.supervision import services
from qingshan.supervision.choices import RectificationStatus, ReportStatus, SlotState
from qingshan.supervision.models import Rectification, ReportSlot

from .conftest import activity, submit

# ---------------------------------------------------------------- report lifecycle


def test_submit_return_resubmit_approve_keeps_versions_and_freezes_on_time(sw):
    w = sw
    # Due 2026-02-06 (5 working days after 01-31); today is 03-02, so the first submission is late.
    assert w.slot.due_date == dt.date(2026, 2, 6)
    first = submit(w)
    w.slot.refresh_from_db()
    assert (w.slot.state, w.slot.on_time, first.version) == (SlotState.SUBMITTED, False, 1)

    services.report_review(actor=w.officer, report=first, approve=False, comment="活动记录过于简单，请补充。")
    w.slot.refresh_from_db()
    first.refresh_from_db()
    assert (w.slot.state, first.status, first.review_comment) == (SlotState.RETURNED, ReportStatus.RETURNED,
                                                                  "活动记录过于简单，请补充。")

    second = submit(w, summary="补充：逐一核查12处排污口。")
    services.report_review(actor=w.office_head, report=second, approve=True)
    w.slot.refresh_from_db()
    assert w.slot.state == SlotState.APPROVED and w.slot.approved_at is not None
    assert w.slot.on_time is False  # frozen at the first submission
    assert list(w.slot.reports.values_list("version", "status")) == [(1, "returned"), (2, "approved")]
    actions = list(AuditEvent.objects.filter(object_type="supervision.slot", object_id=w.slot.pk)
                   .values_list("action", flat=True).order_by("seq"))
    assert actions == ["generate", "submit", "return", "resubmit", "approve"]
    assert all(e.payload["item_id"] == w.item.pk for e in AuditEvent.objects.filter(
        object_type__in=["supervision.slot", "supervision.report"], object_id__in=[w.slot.pk, first.pk, second.pk]))


def test_submission_on_or_before_due_date_is_on_time(sw):
    w = sw
    with time_machine.travel(dt.datetime(2026, 2, 6, 17, 0, tzinfo=dt.UTC), tick=False):  # 02-07 01:00 in Shanghai
        submit(w, activities=[activity(happened_on=dt.date(2026, 1, 20))])
    w.slot.refresh_from_db()
    assert w.slot.on_time is False
    w.district_slot.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 2, 6, 9, 0, tzinfo=dt.UTC), tick=False):
        submit(w, slot=w.district_slot, actor=w.district_staff)
    w.district_slot.refresh_from_db()
    assert w.district_slot.on_time is True


def test_cannot_submit_approved_or_pending_review_slot(sw):
    w = sw
    report = submit(w)
    with pytest.raises(ServiceError, match="^该期报送正在审核中，不能重复报送。$"):
        submit(w)
    services.report_review(actor=w.officer, report=report, approve=True)
    with pytest.raises(ServiceError, match="^该期报送已审核通过，不能再报送。$"):
        submit(w)
    assert w.slot.reports.count() == 1


def test_cannot_review_own_report_and_only_the_office_reviews(sw):
    w = sw
    report = submit(w)
    with pytest.raises(PermissionRefused, match="^只有该监督事项的牵头部室可以审核报送。$"):
        services.report_review(actor=w.group_head, report=report, approve=True)
    # A person in both the office and the group may not approve what they submitted.
    from qingshan.orgs.models import Membership

    Membership.objects.create(user=w.group_staff, organisation=w.office, role="office_staff")
    w.group_staff._qingshan_profile = None
    del w.group_staff._qingshan_profile
    with pytest.raises(PermissionRefused, match="^不能审核本人报送的材料。$"):
        services.report_review(actor=w.group_staff, report=report, approve=True)
    with pytest.raises(ServiceError, match="^退回修改须填写审核意见。$"):
        services.report_review(actor=w.officer, report=report, approve=False, comment="  ")
    w.slot.refresh_from_db()
    assert w.slot.state == SlotState.SUBMITTED


def test_only_the_assignee_submits_its_own_slot(sw):
    w = sw
    for outsider in (w.district_staff, w.officer, w.eco_handler, w.group2_staff):
        with pytest.raises(PermissionRefused, match="^只有承办该监督事项的派驻组或区县纪委监委人员可以报送。$"):
            submit(w, actor=outsider)
    assert not w.slot.reports.exists()


def test_bad_input_changes_nothing(sw):
    w = sw
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match="^请至少填写一项监督活动。$"):
        submit(w, activities=[])
    with pytest.raises(ServiceError, match="^第1项监督活动的日期不能晚于今天。$"):
        submit(w, activities=[activity(happened_on=dt.date(2026, 3, 3))])
    # A finding whose problem cannot be registered rolls back the whole report, including earlier problems.
    with pytest.raises(ServiceError, match="^第2个发现问题须填写标题和描述。$"):
        submit(w, findings=[{"title": "排口未封堵", "description": "仍在排放", "category": w.water_pollution,
                             "region": w.city}, {"title": "", "description": "x", "category": w.water_pollution,
                                                 "region": w.city}])
    w.slot.refresh_from_db()
    assert (w.slot.state, w.slot.reports.count(), AuditEvent.objects.count()) == (SlotState.PENDING, 0, events)
    from qingshan.problems.models import Problem

    assert not Problem.objects.exists()


def test_findings_become_problems_of_the_work_loop_linked_back(sw):
    w = sw
    report = submit(w, findings=[{"title": "3号排口夜间偷排", "description": "暗访发现夜间排放黑水。",
                                  "category": w.water_pollution, "region": w.city}])
    finding = report.findings.select_related("problem__source").get()
    problem = finding.problem
    assert (problem.source.code, problem.state, problem.supervising_org) == ("report", ProblemState.RECEIVED, w.group)
    assert problem.supervision_finding.report == report
    event = AuditEvent.objects.get(object_type="supervision.report", action="finding")
    assert event.payload == {"item_id": w.item.pk, "slot_id": w.slot.pk, "problem_id": problem.pk,
                             "number": problem.number}


def test_rectification_opened_in_a_report_is_followed_and_closed(sw):
    w = sw
    submit(w, rectifications=[{"title": "3号排口封堵", "measures": "封堵并设置监控", "responsible_unit": w.eco,
                               "deadline": dt.date(2026, 4, 30)}])
    entry = Rectification.objects.get()
    assert (entry.item, entry.status, entry.closed_on) == (w.item, RectificationStatus.IN_PROGRESS, None)
    services.rectification_update(actor=w.group_staff, rectification=entry, status=RectificationStatus.STAGE_DONE,
                                  note="已封堵，监控待安装")
    services.rectification_update(actor=w.officer, rectification=entry, status=RectificationStatus.DONE,
                                  note="现场核查已完成", closed_on=dt.date(2026, 3, 1))
    entry.refresh_from_db()
    assert (entry.status, entry.closed_on) == (RectificationStatus.DONE, dt.date(2026, 3, 1))
    with pytest.raises(ServiceError, match="^该整改事项已销号，不能再更新。$"):
        services.rectification_update(actor=w.officer, rectification=entry, status="in_progress", note="反弹")
    chain = list(AuditEvent.objects.filter(object_type="supervision.rectification", object_id=entry.pk)
                 .order_by("seq").values_list("action", "payload__item_id"))
    assert chain == [("create", w.item.pk), ("status", w.item.pk), ("close", w.item.pk)]
    with pytest.raises(PermissionRefused):
        services.rectification_update(actor=w.district_staff, rectification=entry, status="done", note="x")


# ---------------------------------------------------------------- urge and escalate


def test_escalate_by_the_system_writes_an_audit_event_without_actor(sw):
    w = sw
    services.report_slot_escalate(actor=None, slot=w.slot, level=3, reason="报送期限规则：超期3个工作日")
    w.slot.refresh_from_db()
    assert w.slot.escalation_level == 3
    event = AuditEvent.objects.get(object_type="supervision.slot", object_id=w.slot.pk, action="escalate")
    assert (event.actor_id, event.actor_name, event.reason) == (None, "系统", "报送期限规则：超期3个工作日")
    assert event.payload["item_id"] == w.item.pk
    with pytest.raises(ServiceError, match="^督办等级只能提高。$"):
        services.report_slot_escalate(actor=None, slot=w.slot, level=2, reason="再次")
    with pytest.raises(PermissionRefused):
        services.report_slot_escalate(actor=w.group_staff, slot=w.slot, level=3, reason="x")


def test_indicator_escalate_by_the_system(sw):
    w = sw
    services.indicator_escalate(actor=None, indicator=w.indicator, level=2, reason="指标规则：偏离进度")
    event = AuditEvent.objects.get(object_type="supervision.indicator", action="escalate")
    assert event.actor_id is None and event.payload["level"] == 2


def test_urge_counts_and_stops_once_submitted(sw):
    w = sw
    services.report_slot_urge(actor=w.officer, slot=w.slot, note="请尽快报送1月情况")
    services.report_slot_urge(actor=w.leader, slot=w.slot, note="再次催办")
    w.slot.refresh_from_db()
    assert w.slot.urge_count == 2
    submit(w)
    with pytest.raises(ServiceError, match="^该期已报送，无需催办。$"):
        services.report_slot_urge(actor=w.officer, slot=w.slot, note="x")


# ---------------------------------------------------------------- slots per cadence


def test_monthly_slots_for_each_assignee_with_due_dates_in_working_days(sw):
    w = sw
    slots = list(ReportSlot.objects.filter(org=w.group).order_by("period_start").values_list(
        "label", "period_end", "due_date"))
    assert slots[:3] == [
        ("2026年1月", dt.date(2026, 1, 31), dt.date(2026, 2, 6)),
        # 02-28 (Saturday) is a make-up working day, but counting starts the day after.
        ("2026年2月", dt.date(2026, 2, 28), dt.date(2026, 3, 6)),
        ("2026年3月", dt.date(2026, 3, 31), dt.date(2026, 4, 8)),  # 04-05/06 清明 holidays skipped
    ]
    assert len(slots) == 6 and ReportSlot.objects.filter(org=w.lvshui_commission).count() == 6


def test_weekly_slots_over_the_spring_festival(sw):
    w = sw
    item = services.item_create(actor=w.officer, plan=w.plan, title="春节期间秸秆禁烧", content="每周巡查",
                                office=w.office, period_start=dt.date(2026, 2, 9), period_end=dt.date(2026, 3, 1),
                                cadence="weekly", due_days=3)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    rows = list(item.slots.order_by("period_start").values_list("period_start", "period_end", "due_date"))
    assert rows == [
        # Week ending Sunday 02-15 (first holiday day); holidays 02-15..02-23, so 3 working days end on 02-26.
        (dt.date(2026, 2, 9), dt.date(2026, 2, 15), dt.date(2026, 2, 26)),
        (dt.date(2026, 2, 16), dt.date(2026, 2, 22), dt.date(2026, 2, 26)),
        # The make-up working Saturday 02-28 counts: 02-28, 03-02, 03-03.
        (dt.date(2026, 2, 23), dt.date(2026, 3, 1), dt.date(2026, 3, 4)),
    ]


def test_quarterly_and_custom_periods():
    q = list(services.periods(cadence="quarterly", start=dt.date(2026, 2, 15), end=dt.date(2026, 12, 31)))
    assert [(s, e, label) for s, e, label in q][:2] == [
        (dt.date(2026, 2, 15), dt.date(2026, 3, 31), "2026年第1季度"),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30), "2026年第2季度")]
    assert len(q) == 4
    custom = list(services.periods(cadence="custom", start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 25),
                                   custom_days=10))
    assert [(s.day, e.day) for s, e, _l in custom] == [(1, 10), (11, 20), (21, 25)]


def test_generating_again_adds_only_missing_slots(sw):
    w = sw
    item = services.item_create(actor=w.officer, plan=w.plan, title="季度调度", content="调度", office=w.office,
                                period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                                cadence="quarterly", due_days=10)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group], through=dt.date(2026, 6, 30))
    assert item.slots.count() == 2
    assert len(services.report_slots_generate(actor=w.officer, item=item, through=dt.date(2026, 9, 30))) == 1
    assert len(services.report_slots_generate(actor=w.officer, item=item, through=dt.date(2026, 9, 30))) == 0
    with pytest.raises(ServiceError, match="已承办该监督事项"):
        services.item_assign(actor=w.officer, item=item, orgs=[w.group])


def test_only_stationed_groups_and_lower_commissions_are_assignees(sw):
    w = sw
    with pytest.raises(ServiceError, match="^“市生态环境局”不是派驻纪检监察组或下级纪委监委，不能承办监督事项。$"):
        services.item_assign(actor=w.officer, item=w.item, orgs=[w.eco])
    with pytest.raises(PermissionRefused, match="^只有本级纪委监委部室工作人员或委领导可以维护监督计划。$"):
        services.item_assign(actor=w.group_staff, item=w.item, orgs=[w.group2])


# ---------------------------------------------------------------- indicators


def _indicator(w, **kwargs):
    defaults = {"actor": w.officer, "task": w.task, "name": "优良天数比例", "unit": "%", "baseline": 80,
                "target": 90, "direction": "ge", "start_date": dt.date(2026, 1, 1),
                "deadline": dt.date(2026, 11, 1)}
    return services.indicator_create(**(defaults | kwargs))


def test_off_track_is_behind_the_straight_line(sw):
    w = sw
    indicator = _indicator(w)  # 80 → 90 over 304 days
    # On 03-01 (59 days in) the line is at 80 + 10 × 59/304 ≈ 81.94.
    services.indicator_add_reading(actor=w.officer, indicator=indicator, value="81.9", read_on=dt.date(2026, 3, 1))
    indicator.refresh_from_db()
    assert indicator.off_track is True and indicator.expected_at(dt.date(2026, 3, 1)).quantize(
        Decimal("0.01")) == Decimal("81.94")
    services.indicator_add_reading(actor=w.officer, indicator=indicator, value="82", read_on=dt.date(2026, 3, 2))
    indicator.refresh_from_db()
    assert indicator.off_track is False and indicator.latest_value == Decimal("82")
    assert AuditEvent.objects.filter(object_type="supervision.indicator", object_id=indicator.pk,
                                     action="reading").count() == 2


def test_off_track_for_a_decreasing_indicator_and_after_the_deadline(sw):
    w = sw
    pm = _indicator(w, name="PM2.5年均浓度", baseline=40, target=30, direction="le")
    services.indicator_add_reading(actor=w.officer, indicator=pm, value="39", read_on=dt.date(2026, 3, 1))
    pm.refresh_from_db()
    assert pm.off_track is True  # the line is at ≈38.06 on 03-01, and 39 is above it
    # After the deadline only reaching the target counts.
    pm.latest_value, pm.latest_on = Decimal("30.05"), dt.date(2026, 10, 30)
    assert pm.is_off_track(dt.date(2026, 10, 31)) is False  # the line is at ≈30.07 on 10-30: 30.05 is ahead
    pm.latest_value = Decimal("30.1")
    assert pm.is_off_track(dt.date(2026, 10, 31)) is True
    pm.latest_value = Decimal("30.05")
    assert pm.is_off_track(dt.date(2026, 11, 2)) is True
    pm.latest_value = Decimal("30")
    assert pm.is_off_track(dt.date(2026, 11, 2)) is False


def test_meeting_the_target_sets_met_on_and_clears_off_track(sw):
    w = sw
    indicator = _indicator(w, target=85)
    services.indicator_add_reading(actor=w.officer, indicator=indicator, value=85, read_on=dt.date(2026, 2, 1))
    indicator.refresh_from_db()
    assert (indicator.met_on, indicator.off_track) == (dt.date(2026, 2, 1), False)
    with pytest.raises(ServiceError, match="^该指标已达标，无需督办。$"):
        services.indicator_escalate(actor=None, indicator=indicator, level=1, reason="x")


def test_reading_input_is_checked(sw):
    w = sw
    with pytest.raises(ServiceError, match="^“数值”须为数字。$"):
        services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value="九十",
                                       read_on=dt.date(2026, 3, 1))
    with pytest.raises(ServiceError, match="^读数日期不能晚于今天。$"):
        services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value=1, read_on=dt.date(2026, 3, 3))
    with pytest.raises(PermissionRefused):
        services.indicator_add_reading(actor=w.group_staff, indicator=w.indicator, value=1,
                                       read_on=dt.date(2026, 3, 1))
    assert not w.indicator.readings.exists()


def test_an_indicator_that_counts_things_takes_whole_numbers_only(sw, client):
    w = sw
    outlets = _indicator(w, name="新发现排污口数", unit="个", baseline=40, target=10, direction="le")
    with pytest.raises(ServiceError, match="^“新发现排污口数”以“个”计，“数值”须为整数。$"):
        services.indicator_add_reading(actor=w.officer, indicator=outlets, value="23.39", read_on=dt.date(2026, 3, 1))
    with pytest.raises(ServiceError, match="^“新发现排污口数”以“个”计，“目标值”须为整数。$"):
        _indicator(w, name="新发现排污口数", unit="个", baseline=40, target="10.5", direction="le")
    services.indicator_add_reading(actor=w.officer, indicator=outlets, value="23", read_on=dt.date(2026, 3, 1))
    services.indicator_add_reading(actor=w.officer, indicator=_indicator(w), value="81.9", read_on=dt.date(2026, 3, 1))
    # The page's form says so in Chinese and records nothing.
    client.force_login(w.officer)
    page = client.post(f"/supervision/indicators/{outlets.pk}/readings/", {"value": "2.5", "read_on": "2026-03-01"},
                       follow=True).content.decode()
    assert "须为整数" in page and list(outlets.readings.values_list("value", flat=True)) == [Decimal("23")]


# ---------------------------------------------------------------- projects


def test_project_stages_only_go_forward_with_history(sw):
    w = sw
    project = services.project_create(
        actor=w.officer, plan=w.plan, name="青山河综合治理工程", responsible_unit=w.water, region=w.city,
        planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2027, 6, 30), investment="12000.5",
        leader=w.leader, theme=w.theme, tasks=[w.task], risk_points=["招投标围标串标", "", "工程款超付"])
    assert project.risk_points == ["招投标围标串标", "工程款超付"]
    services.project_change_stage(actor=w.officer, project=project, stage="approval", note="发改委批复")
    with pytest.raises(ServiceError, match="^项目当前阶段为“审批”，只能推进到其后的阶段。$"):
        services.project_change_stage(actor=w.officer, project=project, stage="initiation")
    assert list(project.stage_changes.values_list("from_stage", "to_stage")) == [("", "planning"),
                                                                                  ("planning", "approval")]


def test_slots_stop_where_the_holiday_calendar_ends_and_are_added_once_it_is_entered(sw):
    w = sw
    item = services.item_create(actor=w.officer, plan=w.plan, title="跨年调度", content="调度", office=w.office,
                                period_start=dt.date(2026, 10, 1), period_end=dt.date(2027, 3, 31))
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    # December's report falls due in 2027, which has no holiday table in the test world.
    assert list(item.slots.values_list("label", flat=True)) == ["2026年10月", "2026年11月"]
    with pytest.raises(ServiceError, match="2027"):
        services.report_slots_generate(actor=w.officer, item=item, through=dt.date(2026, 12, 31))
    from qingshan.workdays.models import CalendarYear

    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（测试）")
    assert len(services.report_slots_generate(actor=w.officer, item=item)) == 4


def test_a_rectification_may_follow_a_problem_the_assignee_sees_only(sw):
    w = sw
    from qingshan.problems.testing.flows import new_problem

    mine = new_problem(w, actor=w.group_staff, title="本组登记的问题")
    others = new_problem(w, actor=w.officer, region=w.lvshui, title="绿水区问题")
    rect = {"title": "整改", "measures": "措施", "responsible_unit": w.eco, "deadline": dt.date(2026, 4, 30)}
    with pytest.raises(ServiceError, match="^第1项整改关联的问题不存在或您无权查看。$"):
        submit(w, rectifications=[rect | {"problem": others}])
    submit(w, rectifications=[rect | {"problem": mine}])
    assert Rectification.objects.get().problem == mine


def test_a_task_leader_must_be_able_to_see_the_task_they_receive_escalations_for(sw):
    w = sw
    before = w.theme.tasks.count()
    with pytest.raises(ServiceError, match="无权查看本计划，不能担任包联领导") as refused:
        services.task_create(actor=w.officer, theme=w.theme, title="岸线复绿", office=w.office, leader=w.eco_handler)
    assert refused.value.field == "leader"
    assert w.theme.tasks.count() == before
    assert not AuditEvent.objects.filter(object_type="supervision.task", payload__title="岸线复绿").exists()
