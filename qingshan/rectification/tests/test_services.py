"""The campaign's services as a user meets them: planning backwards, progress and diaries with files, the warning
colour, the dual sign-off, public notice with objections, 销号 on the five conditions, 回头看 and rebound."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.testing.world import png
from qingshan.rectification import services
from qingshan.rectification.choices import (
    Action,
    Condition,
    Granularity,
    PostKind,
    Progress,
    RecheckResult,
    State,
    WarningColour,
)
from qingshan.rectification.models import Item, Post
from qingshan.rectification.testing.flows import PASSWORD, drive_to, new_item, plan
from qingshan.workdays.calendar import is_working_day

D = dt.date


def events(item, action):
    return AuditEvent.objects.filter(object_type="rectification.item", object_id=item.pk, action=action)


def test_items_are_numbered_without_gaps_per_campaign_year(rw):
    first, second = new_item(rw), new_item(rw, title="第二个")
    assert (first.number, second.number) == ("ZG-2026-0001", "ZG-2026-0002")
    assert first.state == State.PLANNING and events(first, Action.CREATE).count() == 1


def test_a_unit_plan_proposes_milestones_backwards_on_working_days(rw):
    item = plan(rw, new_item(rw), deadline=D(2026, 6, 30), granularity=Granularity.MONTH)
    assert item.state == State.IN_PROGRESS
    dues = list(item.milestones.values_list("due_on", flat=True))
    assert dues == [D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 29), D(2026, 6, 30)]  # 31 May is a Sunday
    assert all(is_working_day(d) for d in dues)
    assert item.warning == WarningColour.GREEN and item.responsible_leader == "钱局长"


def test_the_unit_adjusts_milestones_but_not_past_the_deadline(rw):
    item = plan(rw, new_item(rw))
    services.item_set_milestones(actor=rw.eco_head, item=item,
                                 lines="2026-04-15 完成方案编制\n2026-06-30 完成全部整改任务")
    assert [m.title for m in item.milestones.all()] == ["完成方案编制", "完成全部整改任务"]
    with pytest.raises(ServiceError, match="晚于整改期限"):
        services.item_set_milestones(actor=rw.eco_head, item=item, lines="2026-07-15 完成")
    assert item.milestones.count() == 2


def test_a_missed_milestone_turns_yellow_then_red_through_the_daily_job(rw, time_machine):
    item = plan(rw, new_item(rw))  # nodes 3-31, 4-30, 5-29, 6-30
    assert services.warnings_refresh() == 0
    time_machine.move_to(dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    assert services.warnings_refresh() == 1
    item.refresh_from_db()
    assert (item.warning, item.missed_milestones) == (WarningColour.YELLOW, 1)
    time_machine.move_to(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    services.warnings_refresh()
    item.refresh_from_db()
    assert (item.warning, item.missed_milestones) == (WarningColour.RED, 2)
    assert events(item, Action.WARNING).count() == 2
    # Confirming both missed nodes done brings it back on track at once (the service recomputes).
    for node in item.milestones.filter(due_on__lt=D(2026, 5, 1)):
        services.milestone_done(actor=rw.water_handler, item=item, milestone=node.pk, done_on=D(2026, 4, 30))
    item.refresh_from_db()
    assert item.warning == WarningColour.GREEN


def test_past_the_deadline_is_red(rw, time_machine):
    item = plan(rw, new_item(rw))
    item.milestones.update(done_on=D(2026, 3, 2))
    time_machine.move_to(dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    services.warnings_refresh()
    item.refresh_from_db()
    assert item.warning == WarningColour.RED


def test_progress_and_diaries_keep_checked_files(rw):
    item = plan(rw, new_item(rw))
    post = services.item_report_progress(actor=rw.eco_handler, item=item, progress=Progress.STAGE_DONE,
                                         text="修复方案已通过评审。", files=[png()])
    item.refresh_from_db()
    assert item.progress == Progress.STAGE_DONE and post.files.count() == 1
    diary = services.item_diary(actor=rw.group_staff, item=item, happened_on=D(2026, 3, 2), text="现场查看施工。",
                                files=[png("现场.png")])
    assert diary.kind == PostKind.DIARY and diary.author_org == rw.group
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00not a png", content_type="image/png")
    with pytest.raises(ServiceError, match="内容与扩展名不符"):
        services.item_diary(actor=rw.eco_handler, item=item, happened_on=D(2026, 3, 2), text="x", files=[fake])
    assert Post.objects.filter(item=item).count() == 2


def test_acceptance_needs_the_work_done(rw):
    item = plan(rw, new_item(rw))
    with pytest.raises(ServiceError, match="已完成"):
        services.item_apply(actor=rw.eco_handler, item=item)
    assert Item.objects.get(pk=item.pk).state == State.IN_PROGRESS


# ---------------------------------------------------------------- dual sign-off


@pytest.fixture
def checked(rw):
    return drive_to(rw, State.CHECKED, signed=False)


def test_both_named_signatories_sign_in_person_and_each_signature_is_audited(rw, checked):
    services.item_sign_supervisor(actor=rw.group_head, item=checked, password=PASSWORD, opinion="同意")
    services.item_sign_unit(actor=rw.eco_secretary, item=checked, password=PASSWORD)
    checked.refresh_from_db()
    assert checked.supervisor_signed_at and checked.unit_signed_at
    sup, unit = events(checked, Action.SIGN_SUPERVISOR).get(), events(checked, Action.SIGN_UNIT).get()
    assert (sup.actor, sup.actor_org, unit.actor, unit.actor_org) == (rw.group_head, rw.group, rw.eco_secretary, rw.eco)


@pytest.mark.parametrize("who, action", [
    ("group_staff", "sign_supervisor"),  # the wrong person of the right side
    ("office_head", "sign_supervisor"),  # a head, but not the one named
    ("eco_head", "sign_supervisor"),  # a unit user signing the supervisor's part
    ("eco_handler", "sign_unit"),  # the unit's handler is not its party secretary
    ("eco_head", "sign_unit"),  # nor is its 负责人: the unit signs through its 党组书记
    ("group_head", "sign_unit"),  # the supervisor signing for the unit
])
def test_the_wrong_person_is_refused_and_nothing_changes(rw, checked, who, action):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionRefused):
        getattr(services, f"item_{action}")(actor=getattr(rw, who), item=checked, password=PASSWORD)
    checked.refresh_from_db()
    assert checked.supervisor_signed_at is None and checked.unit_signed_at is None
    assert AuditEvent.objects.count() == before


def test_the_same_person_twice_and_a_wrong_password_are_refused(rw, checked):
    services.item_sign_supervisor(actor=rw.group_head, item=checked, password=PASSWORD)
    with pytest.raises(ServiceError, match="重复签字"):
        services.item_sign_supervisor(actor=rw.group_head, item=checked, password=PASSWORD)
    with pytest.raises(PermissionRefused, match="密码不正确"):
        services.item_sign_unit(actor=rw.eco_secretary, item=checked, password="guess")
    assert events(checked, Action.SIGN_SUPERVISOR).count() == 1 and not events(checked, Action.SIGN_UNIT).exists()


def test_one_person_cannot_be_named_for_both_sides_nor_a_non_holder(rw):
    item = drive_to(rw, State.APPLIED)
    with pytest.raises(ServiceError, match="同一人"):
        services.item_site_check(actor=rw.group_staff, item=item, note="核查", supervisor_signatory=rw.group_head,
                                 unit_signatory=rw.group_head)
    for not_secretary in (rw.eco_handler, rw.eco_head):
        with pytest.raises(ServiceError, match="不是市生态环境局的党组书记"):
            services.item_site_check(actor=rw.group_staff, item=item, note="核查", supervisor_signatory=rw.group_head,
                                     unit_signatory=not_secretary)
    with pytest.raises(ServiceError, match="不是驻市生态环境局纪检监察组的负责人"):
        services.item_site_check(actor=rw.group_staff, item=item, note="核查", supervisor_signatory=rw.group_staff,
                                 unit_signatory=rw.eco_secretary)
    assert Item.objects.get(pk=item.pk).state == State.APPLIED


def test_a_signatory_who_left_office_can_no_longer_sign(rw, checked):
    rw.group_head.memberships.update(is_active=False)
    former = type(rw.group_head).objects.get(pk=rw.group_head.pk)  # a new request: memberships read afresh
    with pytest.raises(PermissionRefused):
        services.item_sign_supervisor(actor=former, item=checked, password=PASSWORD)


def test_no_notice_before_both_signatures(rw, checked):
    services.item_sign_unit(actor=rw.eco_secretary, item=checked, password=PASSWORD)
    with pytest.raises(ServiceError, match="双方签字后"):
        services.item_publish(actor=rw.group_staff, item=checked, days=5)


# ---------------------------------------------------------------- notice, 销号, 回头看


def test_notice_runs_five_working_days_then_closes_on_the_five_conditions(rw, time_machine):
    item = drive_to(rw, State.NOTICE, conditions=False)
    assert (item.notice_start, item.notice_end) == (D(2026, 3, 2), D(2026, 3, 9))
    objection = services.item_record_objection(actor=rw.group_staff, item=item, raised_on=D(2026, 3, 2),
                                               raised_by="附近居民", content="仍有异味。")
    with pytest.raises(ServiceError, match="期满后"):
        services.item_close(actor=rw.group_staff, item=item)
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
    with pytest.raises(ServiceError, match="异议尚未全部答复"):
        services.item_close(actor=rw.group_staff, item=item)
    services.item_answer_objection(actor=rw.group_staff, item=item, objection=objection.pk,
                                   answer="经复测，异味来自邻近企业，已另案交办。")
    for value in Condition.values[:4]:
        services.item_confirm_condition(actor=rw.group_staff, item=item, condition=value, evidence="见报告")
    with pytest.raises(ServiceError, match="长效机制"):
        services.item_close(actor=rw.group_staff, item=item)
    services.item_confirm_condition(actor=rw.group_staff, item=item, condition=Condition.ROOT_FIXED,
                                    evidence="已出台长效管理办法")
    item = services.item_close(actor=rw.group_staff, item=item, recheck_months=6)
    assert item.state == State.CLOSED
    assert item.rechecks.get().due_on == D(2026, 9, 10)


def test_recheck_holds_or_reopens_as_rebound(rw):
    item = drive_to(rw, State.CLOSED)
    services.item_recheck(actor=rw.group_staff, item=item, note="回头看，成果巩固。")
    assert item.rechecks.get().result == RecheckResult.HELD
    item = services.item_rebound(actor=rw.group_staff, item=item, note="再次发现超标。", deadline=D(2026, 8, 31))
    assert (item.state, item.rebound_count, item.deadline) == (State.IN_PROGRESS, 1, D(2026, 8, 31))
    assert item.supervisor_signed_at is None and not item.conditions.exists()
    assert item.rechecks.filter(result=RecheckResult.REBOUND).count() == 1


def test_a_failed_check_returns_the_item_to_the_unit(rw):
    item = drive_to(rw, State.CHECKED)
    item = services.item_fail_check(actor=rw.group_staff, item=item, reason="修复后仍有点位超标。")
    assert item.state == State.IN_PROGRESS and item.supervisor_signatory is None
    assert item.progress == Progress.ONGOING


def test_raise_from_a_problem(rw):
    from qingshan.problems import services as problem_services
    from qingshan.problems.models import Category, Source

    problem = problem_services.problem_create(
        actor=rw.officer, title="河道黑臭", description="河道黑臭反弹。", source=Source.objects.first(),
        category=Category.objects.first(), region=rw.lvshui)
    with pytest.raises(ServiceError, match="尚未交办"):
        services.item_raise_from_problem(actor=rw.officer, campaign=rw.campaign, problem=problem,
                                         deadline=D(2026, 9, 30))
    problem = problem_services.problem_dispatch(actor=rw.officer, problem=problem, lead_unit=rw.eco)
    item = services.item_raise_from_problem(actor=rw.officer, campaign=rw.campaign, problem=problem,
                                            deadline=D(2026, 9, 30))
    assert (item.problem, item.lead_unit, item.title) == (problem, rw.eco, "河道黑臭")
    with pytest.raises(PermissionRefused):
        services.item_raise_from_problem(actor=rw.eco_handler, campaign=rw.campaign, problem=problem,
                                         deadline=D(2026, 9, 30))


def test_raise_from_a_supervision_list_entry_links_it_once(rw):
    from django.utils import timezone

    from qingshan.access.supervision import access_rectification
    from qingshan.supervision.models import Assignment, Plan, Report, ReportSlot, SupervisionItem
    from qingshan.supervision.models import Rectification as Entry

    # A bare 整改清单 entry of a group's report (the supervision app's own tests build it through its services).
    plan_ = Plan.objects.create(commission=rw.commission, year=2026, title="计划", region_path=rw.city.path,
                                created_by=rw.officer)
    item_ = SupervisionItem.objects.create(plan=plan_, title="事项", content="内容", office=rw.office,
                                           created_by=rw.officer, period_start=D(2026, 1, 1),
                                           period_end=D(2026, 12, 31), region_path=rw.city.path)
    assignment = Assignment.objects.create(item=item_, org=rw.group, assigned_by=rw.officer)
    slot = ReportSlot.objects.create(assignment=assignment, item=item_, org=rw.group, label="2026年1月",
                                     period_start=D(2026, 1, 1), period_end=D(2026, 1, 31), due_date=D(2026, 2, 6))
    report = Report.objects.create(slot=slot, version=1, summary="报告", submitted_by=rw.group_staff,
                                   submitted_at=timezone.now())
    entry = Entry.objects.create(item=item_, slot=slot, report=report, title="排污口整治", measures="封堵",
                                 responsible_unit=rw.eco, deadline=D(2026, 6, 30), created_by=rw.group_staff)
    entry = access_rectification(rw.officer, entry.pk)
    item = services.item_raise_from_supervision_entry(actor=rw.officer, campaign=rw.campaign, entry=entry)
    assert (item.supervision_entry, item.lead_unit, item.deadline) == (entry, rw.eco, D(2026, 6, 30))
    assert item.supervising_org == rw.group  # the group stationed in the bureau
    with pytest.raises(ServiceError, match="已建立"):
        services.item_raise_from_supervision_entry(actor=rw.officer, campaign=rw.campaign, entry=entry)
    with pytest.raises(PermissionRefused):
        services.item_raise_from_supervision_entry(actor=rw.eco_handler, campaign=rw.campaign, entry=entry)
