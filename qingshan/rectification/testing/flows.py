"""The rectification test world and a driver that takes an item to any state through the services.

The world is the shared one (`problems.testing.world`) plus 组长 of the group stationed in 市生态环境局 (赵组长,
the supervising side's signatory), the bureau's 党组书记 (周书记, the unit's signatory) and one campaign of the
city commission. An item `drive_to(w, state)` is a feedback item in 绿水区 led by 市生态环境局 with 市水务局 as
co-unit, supervised by that stationed group.
"""
import datetime as dt

from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User

from .. import services
from ..choices import Condition, Granularity, Horizon, Progress, State
from ..models import Item

PASSWORD = "Qingshan#2026"


def add_rect_world(w):
    """Add the group head and a campaign to the shared world `w`; returns `w`."""
    w.group_head = User.objects.create_user(username="group_head", password=PASSWORD, full_name="赵组长")
    Membership.objects.create(user=w.group_head, organisation=w.group, role=Role.GROUP_HEAD)
    w.eco_secretary = User.objects.create_user(username="eco_secretary", password=PASSWORD, full_name="周书记")
    Membership.objects.create(user=w.eco_secretary, organisation=w.eco, role=Role.UNIT_PARTY_SECRETARY)
    w.campaign = services.campaign_create(actor=w.officer, name="第二轮中央生态环境保护督察反馈问题整改",
                                          year=2026, basis="中央第二生态环境保护督察组反馈意见")
    return w


def new_item(w, *, title="某化工园区土壤及地下水修复滞后", deadline=dt.date(2026, 6, 30)) -> Item:
    return services.item_create(actor=w.officer, campaign=w.campaign, title=title,
                                feedback="督察发现园区土壤及地下水修复进度滞后。", region=w.lvshui, lead_unit=w.eco,
                                co_units=[w.water], supervising_org=w.group, deadline=deadline)


def plan(w, item, *, deadline=dt.date(2026, 6, 30), granularity=Granularity.MONTH) -> Item:
    return services.item_plan(actor=w.eco_handler, item=item, target="年底前完成修复并通过评审",
                              measures="一是制定修复方案；二是开展修复施工；三是监测评估。",
                              responsible_leader="钱局长", responsible_person="孙经办", horizon=Horizon.SHORT,
                              deadline=deadline, granularity=granularity, co_units=[w.water])


ORDER = [State.PLANNING, State.IN_PROGRESS, State.APPLIED, State.CHECKED, State.NOTICE, State.CLOSED]


def drive_to(w, state: str, *, signed: bool = True, conditions: bool = True) -> Item:
    """A new item taken through the services to `state` (CHECKED items are signed by both unless `signed=False`;
    NOTICE items have every 销号 condition ticked unless `conditions=False`)."""
    item = new_item(w)
    target = ORDER.index(State(state))
    if target >= 1:
        item = plan(w, item)
    if target >= 2:
        services.item_report_progress(actor=w.eco_handler, item=item, progress=Progress.DONE, text="已全部完成。")
        item = services.item_apply(actor=w.eco_handler, item=item, note="申请验收")
    if target >= 3:
        item = services.item_site_check(actor=w.group_staff, item=item, note="现场核查，修复到位。",
                                        supervisor_signatory=w.group_head, unit_signatory=w.eco_secretary)
        if signed or target >= 4:
            services.item_sign_supervisor(actor=w.group_head, item=item, password=PASSWORD)
            item = services.item_sign_unit(actor=w.eco_secretary, item=item, password=PASSWORD)
    if target >= 4:
        item = services.item_publish(actor=w.group_staff, item=item, days=5)
        if conditions or target >= 5:
            for value in Condition.values:
                services.item_confirm_condition(actor=w.group_staff, item=item, condition=value,
                                                evidence="见验收报告")
    if target >= 5:
        Item.objects.filter(pk=item.pk).update(notice_end=dt.date(2026, 3, 1))  # the notice has run its course
        item = services.item_close(actor=w.group_staff, item=Item.objects.get(pk=item.pk), recheck_months=6)
    return Item.objects.get(pk=item.pk)


def supervision_entry(w, *, title="排污口整治", unit=None):
    """A bare 整改清单 entry (a supervision finding) of the stationed group's report about 市生态环境局 (the supervision
    app's own tests build one through its services; here only the finding matters)."""
    from django.utils import timezone

    from qingshan.supervision.models import Assignment, Plan, Report, ReportSlot, SupervisionItem
    from qingshan.supervision.models import Rectification as Entry

    d = dt.date
    plan_ = Plan.objects.create(commission=w.commission, year=2026, title="计划", region_path=w.city.path,
                                created_by=w.officer)
    item_ = SupervisionItem.objects.create(plan=plan_, title="事项", content="内容", office=w.office,
                                           created_by=w.officer, period_start=d(2026, 1, 1),
                                           period_end=d(2026, 12, 31), region_path=w.city.path)
    assignment = Assignment.objects.create(item=item_, org=w.group, assigned_by=w.officer)
    slot = ReportSlot.objects.create(assignment=assignment, item=item_, org=w.group, label="2026年1月",
                                     period_start=d(2026, 1, 1), period_end=d(2026, 1, 31), due_date=d(2026, 2, 6))
    report = Report.objects.create(slot=slot, version=1, summary="报告", submitted_by=w.group_staff,
                                   submitted_at=timezone.now())
    return Entry.objects.create(item=item_, slot=slot, report=report, title=title, measures="封堵",
                                responsible_unit=unit or w.eco, deadline=d(2026, 6, 30), created_by=w.group_staff)
