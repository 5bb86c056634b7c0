"""Demo part of 青山市 for the supervision lists: the 2026 plan with six themes, 24 key tasks with indicators and
monthly readings (a few off track), 30 key projects with stage histories and integrity-risk points, 20 supervision
items assigned to stationed groups and district commissions, and their report slots up to `end` with a realistic
mix of fates (approved, returned and resubmitted, late, pending and overdue) so the reminder engine has work.

Rows are written in bulk with their audit events (record_events) dated in the past, as the problem history is:
calling the services would stamp every step with today's date.
"""
import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from qingshan.audit.services import EventSpec, record_events
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership
from qingshan.problems.models import Problem
from qingshan.supervision.choices import (
    COUNT_UNITS,
    STAGE_ORDER,
    ActivityKind,
    Cadence,
    RectificationStatus,
    ReportStatus,
    SlotState,
)
from qingshan.supervision.models import (
    Activity,
    Assignment,
    Finding,
    Indicator,
    IndicatorReading,
    KeyProject,
    KeyTask,
    Plan,
    ProjectStageChange,
    Rectification,
    Report,
    ReportSlot,
    SupervisionItem,
    Theme,
)
from qingshan.supervision.services import periods
from qingshan.workdays.calendar import add_working_days

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2026  # the plan year of the demo city
THEMES = ["长江大保护", "污染防治攻坚", "碳达峰碳中和", "生态保护修复", "发展方式绿色转型", "体制机制创新"]
# theme index → (task title, lead unit key, [(indicator, unit, baseline, target, direction)])
TASKS = [
    (0, "长江干流岸线整治", "water", [("岸线整治完成率", "%", 0, 100, "ge")]),
    (0, "入河排污口排查整治", "eco", [("排污口整治完成率", "%", 35, 100, "ge"),
                                      ("新发现排污口数", "个", 40, 10, "le")]),
    (0, "长江十年禁渔", "agri", [("非法捕捞案件查处率", "%", 90, 100, "ge")]),
    (0, "港口码头污染防治", "port", [("船舶污染物接收率", "%", 80, 98, "ge")]),
    (1, "城市黑臭水体治理", "housing", [("黑臭水体消除比例", "%", 70, 95, "ge")]),
    (1, "细颗粒物污染防治", "eco", [("PM2.5年均浓度", "微克/立方米", 36, 31, "le"),
                                    ("优良天数比例", "%", 82, 88, "ge")]),
    (1, "土壤污染风险管控", "land", [("受污染耕地安全利用率", "%", 91, 95, "ge")]),
    (1, "固体废物综合治理", "urban", [("生活垃圾回收利用率", "%", 32, 40, "ge")]),
    (2, "重点行业节能降碳", "industry", [("单位GDP能耗降低", "%", 0, 3.2, "ge")]),
    (2, "可再生能源发展", "energy", [("非化石能源消费占比", "%", 18, 21, "ge")]),
    (2, "绿色建筑推广", "housing", [("新建绿色建筑占比", "%", 85, 100, "ge")]),
    (2, "公共交通电动化", "transport", [("新能源公交车占比", "%", 76, 95, "ge")]),
    (3, "湿地保护修复", "forest", [("湿地保护率", "%", 52, 56, "ge")]),
    (3, "矿山生态修复", "land", [("历史遗留矿山修复面积", "公顷", 0, 120, "ge")]),
    (3, "国土绿化行动", "forest", [("森林覆盖率", "%", 41.2, 41.8, "ge")]),
    (3, "生物多样性保护", "forest", [("重点物种监测点位", "个", 20, 35, "ge")]),
    (4, "“津农精品”品牌培育", "agri", [("“津农精品”品牌数", "个", 186, 200, "ge")]),
    (4, "工业园区循环化改造", "industry", [("园区循环化改造完成率", "%", 60, 100, "ge")]),
    (4, "农业面源污染治理", "agri", [("化肥使用量", "万吨", 8.6, 8.2, "le")]),
    (4, "绿色金融发展", "finance", [("绿色贷款余额增速", "%", 0, 20, "ge")]),
    (5, "河湖长制落实", "water", [("河湖长巡河履职率", "%", 88, 100, "ge")]),
    (5, "生态环境损害赔偿", "justice", [("赔偿案件办结率", "%", 60, 90, "ge")]),
    (5, "环评审批制度改革", "gov_service", [("审批时限压缩比例", "%", 0, 40, "ge")]),
    (5, "生态环境执法监督", "eco", [("执法案件按期办结率", "%", 85, 98, "ge")]),
]
PROJECT_KINDS = [
    "污水处理厂提标改造工程", "雨污分流改造工程", "垃圾焚烧发电项目", "河道综合治理工程", "湿地公园建设项目",
    "矿山生态修复工程", "工业园区污水管网工程", "光伏发电项目", "餐厨垃圾处理项目", "饮用水源地保护工程",
]
RISK_POINTS = [
    "招投标环节围标串标", "工程变更签证虚增工程量", "工程款超付或挪用", "项目审批“放水”", "征地拆迁补偿优亲厚友",
    "监理单位履职不到位", "专项资金截留挪用", "违规分包转包", "验收把关不严",
]
ITEMS = [
    ("入河排污口整治进展监督", 1, "monthly"),
    ("长江禁渔执法监督", 2, "monthly"),
    ("黑臭水体治理成效监督", 4, "monthly"),
    ("大气污染防治责任落实监督", 5, "monthly"), ("受污染耕地安全利用监督", 6, "quarterly"),
    ("生活垃圾分类工作监督", 7, "monthly"),
    ("重点行业节能降碳监督", 8, "quarterly"),
    ("湿地保护修复监督", 12, "monthly"),
    ("矿山修复资金使用监督", 13, "monthly"), ("“津农精品”品牌培育监督", 16, "quarterly"),
    ("农业面源污染治理监督", 18, "monthly"), ("河湖长制履职监督", 20, "monthly"), ("生态环境执法监督", 23, "monthly"),
    ("港口码头污染防治监督", 3, "monthly"),
    ("绿色建筑推广监督", 10, "monthly"),
    ("工业园区循环化改造监督", 17, "monthly"),
    ("环评审批改革监督", 22, "quarterly"), ("重点项目廉政风险防控监督", None, "monthly"),
    ("冬季秸秆禁烧周调度", None, "weekly"), ("生态环境损害赔偿监督", 21, "monthly"),
]
NOTES = {
    ActivityKind.PHONE: "电话了解整改推进情况", ActivityKind.BRIEFING: "听取责任单位专题汇报",
    ActivityKind.EXCHANGE: "与现场负责人交流存在困难", ActivityKind.SITE_VISIT: "实地查看现场整治情况",
    ActivityKind.SYMPOSIUM: "召开座谈会听取基层意见", ActivityKind.DOCUMENTS: "查阅工作台账和会议纪要",
    ActivityKind.UNANNOUNCED: "不打招呼暗访暗查",
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


class _Seeder:
    """What both halves share: the city, the random stream, the end date and the audit events to record."""

    def __init__(self, city, rng: random.Random, end: dt.date, events: list[EventSpec]):
        self.city, self.rng, self.end = city, rng, end
        self.users = city.users
        self.events = events
        self.insp = [city.offices[f"insp{i}"] for i in range(1, 5)]

    def event(self, object_type, object_id, action, actor, org, when, from_state="", to_state="", reason="",
              payload=None):
        self.events.append(EventSpec(object_type, object_id, action, actor, org, from_state, to_state, reason,
                                     payload or {}, False, when))

    def staff(self, org):
        pool = self.city.staff.get(org.pk) or [self.users["office_staff"]]
        return pool[0] if self.rng.random() < 0.6 else self.rng.choice(pool)


class _Plans(_Seeder):
    """The year's plan: themes, key tasks with their indicators and monthly readings, key projects."""

    def run(self) -> tuple[Plan, list[Theme], list[KeyTask], list[KeyProject], int]:
        """The plan, its themes, tasks and projects, and how many indicators are off track."""
        city = self.city
        year = YEAR
        creator, insp1 = self.users["office_staff"], self.insp[0]
        plan_day = dt.date(year, 1, 5)
        plan = Plan.objects.create(year=year, title=f"{city.commission.name}{year}年度生态环境监督计划",
                                   commission=city.commission, region_path=city.commission.region.path,
                                   created_by=creator)
        self.event("supervision.plan", plan.pk, "create", creator, insp1, _at(plan_day, 9),
                   payload={"year": year, "title": plan.title, "themes": THEMES})
        themes = Theme.objects.bulk_create([Theme(plan=plan, name=n, sort_order=i) for i, n in enumerate(THEMES)])
        leaders = [m.user for m in Membership.objects.filter(organisation=city.commission,
                                                             role=Role.COMMISSION_LEADER).select_related("user")]
        tasks = KeyTask.objects.bulk_create([
            KeyTask(theme=themes[t], title=title, lead_unit=city.city_units.get(unit), sort_order=i,
                    office=self.insp[0] if i % 3 == 0 else self.insp[i % 4], leader=leaders[i % len(leaders)])
            for i, (t, title, unit, _ind) in enumerate(TASKS)])
        for task in tasks:
            self.event("supervision.task", task.pk, "create", creator, insp1, _at(plan_day, 10),
                       payload={"plan_id": plan.pk, "title": task.title, "office": str(task.office)})
        off_track, count = 0, 0
        for task, (_t, _title, _unit, indicators) in zip(tasks, TASKS, strict=True):
            for name, unit, base, target, direction in indicators:
                # About one indicator in five lags behind its straight line (a few off track, as in real plans).
                off_track += self.indicator(task, name, unit, Decimal(str(base)), Decimal(str(target)), direction,
                                            behind=count % 5 == 2)
                count += 1
        projects = self.projects(plan, themes, tasks, leaders) + [self.waste_platform(plan, themes, leaders)]
        return plan, themes, tasks, projects, off_track

    def indicator(self, task, name, unit, base, target, direction, behind: bool) -> int:
        start, deadline = dt.date(2026, 1, 1), dt.date(2026, 12, 31) if self.rng.random() < 0.7 else dt.date(
            2027, 12, 31)
        indicator = Indicator.objects.create(task=task, name=name, unit=unit, baseline=base, target=target,
                                             direction=direction, start_date=start, deadline=deadline)
        self.event("supervision.indicator", indicator.pk, "create", self.users["office_staff"], task.office,
                   _at(dt.date(2026, 1, 6), 9), payload={"task_id": task.pk, "name": name, "target": str(target),
                                                          "deadline": deadline.isoformat()})
        readings, month = [], 1
        while True:
            day = dt.date(2026, month, 28)
            if day > self.end or month > 12:
                break
            share = Decimal((day - start).days) / Decimal((deadline - start).days)
            pace = Decimal(str(self.rng.uniform(0.45, 0.75) if behind else self.rng.uniform(1.0, 1.25)))
            # Counted indicators (个, 家, 项 …) read whole numbers, as the forms and imports require.
            value = (base + (target - base) * min(share * pace, Decimal(1))).quantize(
                Decimal(1) if unit in COUNT_UNITS else Decimal("0.01"))
            readings.append(IndicatorReading(indicator=indicator, value=value, read_on=day,
                                             source=f"{task.lead_unit or '牵头单位'}月报", recorded_by=self.users[
                                                 "office_staff"]))
            month += 1
        IndicatorReading.objects.bulk_create(readings)
        for r in readings:
            if indicator.met_on is None and indicator.reaches(r.value):
                indicator.met_on = r.read_on
            self.event("supervision.indicator", indicator.pk, "reading", r.recorded_by, task.office,
                       _at(r.read_on, 16), payload={"task_id": task.pk, "value": str(r.value),
                                                    "read_on": r.read_on.isoformat()})
        if readings:
            indicator.latest_value, indicator.latest_on = readings[-1].value, readings[-1].read_on
        indicator.off_track = indicator.met_on is None and indicator.is_off_track(self.end)
        indicator.save()
        return int(indicator.off_track)

    def projects(self, plan, themes, tasks, leaders) -> list[KeyProject]:
        rng, city = self.rng, self.city
        units = [u for k, u in city.city_units.items() if k in ("eco", "water", "housing", "urban", "land", "energy",
                                                              "city_invest", "water_group", "env_group")]
        projects = []
        for n in range(30):
            district = city.districts[n % len(city.districts)]
            kind = PROJECT_KINDS[n % len(PROJECT_KINDS)]
            start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 540))
            stage_index = min(5, max(0, int((self.end - start).days / 120) + rng.randint(-1, 1)))
            project = KeyProject.objects.create(
                plan=plan, theme=themes[n % len(themes)], name=f"{district.name}{kind}",
                responsible_unit=rng.choice(units) if n % 3 else district.bureaus["eco"], region=district.region,
                investment=Decimal(rng.randint(800, 250_000)), planned_start=start,
                planned_end=start + dt.timedelta(days=rng.randint(365, 1100)), stage=STAGE_ORDER[stage_index],
                leader=leaders[n % len(leaders)], risk_points=rng.sample(RISK_POINTS, rng.randint(2, 4)))
            project.tasks.set(rng.sample(tasks, rng.randint(1, 2)))
            changes, day, previous = [], start - dt.timedelta(days=60), ""
            for stage in STAGE_ORDER[:stage_index + 1]:
                day = min(day + dt.timedelta(days=rng.randint(40, 120)), self.end)
                changes.append(ProjectStageChange(project=project, from_stage=previous, to_stage=stage,
                                                  changed_on=day, note="" if previous else "建档",
                                                  changed_by=self.users["office_staff"]))
                self.event("supervision.project", project.pk, "stage" if previous else "create",
                           self.users["office_staff"], self.insp[0], _at(day, 11), from_state=previous,
                           to_state=stage, payload={"plan_id": plan.pk, "name": project.name})
                previous = stage
            ProjectStageChange.objects.bulk_create(changes)
            projects.append(project)
        return projects


    def waste_platform(self, plan, themes, leaders) -> KeyProject:
        """Issue 16: the 无废城市 traceability platform, followed by the district commission through its tender,
        contract and payment milestones, with its integrity-risk list (廉政风险清单)."""
        district = self.city.districts[0]
        start = dt.date(2025, 3, 1)
        project = KeyProject.objects.create(
            plan=plan, theme=themes[0], name=f"{district.name}“无废城市”区块链追溯平台建设",
            responsible_unit=district.bureaus["eco"], region=district.region, investment=Decimal("1860"),
            planned_start=start, planned_end=dt.date(2026, 12, 31), leader=leaders[0], risk_points=[
                "招标文件设置排他性条款（指定区块链底层平台或品牌）", "评标专家与投标人存在利害关系未回避",
                "中标后以需求变更为由追加投资", "未按合同节点验收即支付进度款", "虚报产废单位接入率以通过阶段验收",
                "平台运维外包后数据修改权限失控、联单数据被改写"])
        milestones = [  # (stage, day, note): each milestone the commission follows, in order
            ("planning", dt.date(2025, 3, 1), "建档：纳入“无废城市”建设实施方案，要求固体废物产生、收集、贮存、"
                                              "运输、利用、处置全过程上链"),
            ("initiation", dt.date(2025, 4, 18), "立项：可行性研究报告批复，总投资 1,860 万元（财政资金）"),
            ("approval", dt.date(2025, 6, 10), "招标：公开招标公告发布；7 月 2 日开标，5 家投标；7 月 9 日中标公示，"
                                               "中标价 1,712 万元"),
            ("construction", dt.date(2025, 7, 25), "合同签订：合同额 1,712 万元，工期 12 个月；8 月 5 日支付预付款 30%"
                                                   "（513.6 万元）"),
            ("acceptance", dt.date(2026, 8, 20), "进度款：2026 年 1 月完成一期（产废单位接入 120 家）后支付 40%；"
                                                 "8 月提请竣工验收，尾款 25% 待验收合格后支付，质保金 5%"),
        ]
        changes, previous = [], ""
        for stage, day, note in milestones:
            if day > self.end:
                break
            changes.append(ProjectStageChange(project=project, from_stage=previous, to_stage=stage, changed_on=day,
                                              note=note[:300], changed_by=self.users["office_staff"]))
            self.event("supervision.project", project.pk, "stage" if previous else "create",
                       self.users["office_staff"], self.insp[0], _at(day, 11), from_state=previous, to_state=stage,
                       payload={"plan_id": plan.pk, "name": project.name})
            previous = stage
        ProjectStageChange.objects.bulk_create(changes)
        project.stage = previous or "planning"
        project.save(update_fields=["stage"])
        return project


class _Reports(_Seeder):
    """The supervision items, their assignments and report slots, and each slot's reports and reviews up to `end`."""

    def items(self, plan, tasks, projects) -> int:
        """Create every item with its slots and play their histories; the number of slots."""
        rng, city, end = self.rng, self.city, self.end
        groups = city.groups
        districts = [d.commission for d in city.districts]
        lvshui = city.districts[1].commission
        report_problems: dict[int, list[tuple[dt.date, int]]] = {}
        for pk, org_id, received in Problem.objects.filter(source__code="report", received_on__year=2026).values_list(
                "pk", "supervising_org_id", "received_on").order_by("received_on", "pk"):
            report_problems.setdefault(org_id, []).append((received, pk))
        used: set[int] = set()
        total = 0
        for n, (title, task_index, cadence) in enumerate(ITEMS):
            office = self.insp[0] if n % 2 == 0 else self.insp[n % 4]
            # group 0 and 绿水区 (the demo logins' organisations) report on most items.
            orgs = [groups[0]] if n % 4 != 3 else []
            orgs += [lvshui] if n % 3 != 2 else []
            orgs += rng.sample([g for g in groups[1:]] + [d for d in districts if d != lvshui], rng.randint(1, 3))
            period_start = dt.date(2026, 10, 1) if cadence == Cadence.WEEKLY else dt.date(2026, 1, 1)
            item = SupervisionItem.objects.create(
                plan=plan, title=title, content=f"督促相关责任单位落实{title.replace('监督', '')}工作要求，"
                                                f"重点检查责任落实、进度推进和问题整改。",
                basis="《青山市生态环境保护工作责任规定》" if n % 2 else "市委生态环境保护工作专项监督方案",
                office=office, task=tasks[task_index] if task_index is not None else None,
                project=projects[n] if task_index is None or n % 5 == 0 else None, cadence=cadence,
                period_start=period_start, period_end=dt.date(2026, 12, 31),
                due_days=3 if cadence == Cadence.WEEKLY else 5, region_path=plan.region_path,
                created_by=self.users["office_staff"])
            created = _at(period_start - dt.timedelta(days=3), 9)
            self.event("supervision.item", item.pk, "create", self.users["office_staff"], office, created,
                       to_state="open", payload={"item_id": item.pk, "plan_id": plan.pk, "title": title})
            assignments = Assignment.objects.bulk_create([Assignment(item=item, org=o,
                                                                     assigned_by=self.users["office_staff"])
                                                          for o in orgs])
            self.event("supervision.item", item.pk, "assign", self.users["office_staff"], office, created,
                       payload={"item_id": item.pk, "orgs": [str(o) for o in orgs]})
            slots = []
            # Every period of the year has its slot from the start, as item_assign creates them.
            for start, stop, label in periods(cadence=cadence, start=period_start, end=item.period_end):
                due = add_working_days(stop, item.due_days)
                slots += [ReportSlot(assignment=a, item=item, org=a.org, period_start=start, period_end=stop,
                                     label=label, due_date=due) for a in assignments]
            ReportSlot.objects.bulk_create(slots)
            total += len(slots)
            reviewer = self.users["office_staff"] if office == self.insp[0] else self.staff(office)
            for slot in slots:
                # Generated with the assignment (建账 then), not when the period begins: no event in the future.
                self.event("supervision.slot", slot.pk, "generate", self.users["office_staff"], office,
                           created, to_state="pending",
                           payload={"item_id": item.pk, "org": str(slot.org), "label": slot.label,
                                    "due_date": slot.due_date.isoformat()})
                if slot.period_end < end:
                    self.fate(slot, item, reviewer, report_problems, used)
        return total

    def fate(self, slot, item, reviewer, report_problems, used) -> None:
        """Play one slot's history up to `end`."""
        rng, end = self.rng, self.end
        roll = rng.random()
        recent = slot.due_date >= end - dt.timedelta(days=3)
        if roll < 0.06 or (recent and roll < 0.45):
            if roll < 0.03 and slot.due_date < end:
                slot.urge_count = 1
                slot.save(update_fields=["urge_count"])
                self.event("supervision.slot", slot.pk, "urge", reviewer, item.office, _at(slot.due_date, 15),
                           from_state="pending", to_state="pending", reason="请尽快报送",
                           payload={"item_id": item.pk, "count": 1})
            return  # still pending (overdue once past its due date)
        late = roll > 0.88
        submitted = slot.due_date + dt.timedelta(days=rng.randint(1, 6)) if late else (
            slot.period_end + dt.timedelta(days=rng.randint(1, max(1, (slot.due_date - slot.period_end).days))))
        submitted = min(submitted, end)
        submitter = self.staff(slot.org)
        returned = 0.06 < roll < 0.18
        version = self.report(slot, item, submitter, submitted, 1, report_problems, used)
        slot.first_submitted_at = _at(submitted, 10)
        slot.on_time = submitted <= slot.due_date
        slot.state = SlotState.SUBMITTED
        review_day = submitted + dt.timedelta(days=rng.randint(1, 3))
        # The latest reports partly still wait for the office (so the demo office has reviews to do).
        if review_day > end or (slot.due_date >= end - dt.timedelta(days=20) and rng.random() < 0.5):
            slot.save()
            return
        if returned:
            self.review(slot, version, reviewer, review_day, approve=False)
            again = review_day + dt.timedelta(days=rng.randint(1, 4))
            if again > end or roll < 0.08:
                slot.state = SlotState.RETURNED
                slot.save()
                return
            version = self.report(slot, item, submitter, again, 2, report_problems, used)
            review_day = again + dt.timedelta(days=rng.randint(1, 3))
            if review_day > end:
                slot.state = SlotState.SUBMITTED
                slot.save()
                return
        self.review(slot, version, reviewer, review_day, approve=True)
        slot.state, slot.approved_at = SlotState.APPROVED, _at(review_day, 15)
        slot.save()

    def report(self, slot, item, submitter, day, version, report_problems, used) -> Report:
        rng = self.rng
        report = Report.objects.create(slot=slot, version=version, submitted_by=submitter, submitted_at=_at(day, 10),
                                       summary=f"{slot.label}，{slot.org}围绕“{item.title}”开展监督"
                                               f"{'，并按审核意见补充完善' if version > 1 else ''}。")
        kinds = rng.sample(list(ActivityKind.values), rng.randint(1, 3))
        Activity.objects.bulk_create([Activity(report=report, kind=k, happened_on=min(
            slot.period_end, slot.period_start + dt.timedelta(days=rng.randint(0, 25))), note=NOTES[k])
            for k in kinds])
        action = "submit" if version == 1 else "resubmit"
        base = {"item_id": item.pk, "slot_id": slot.pk}
        when = _at(day, 10)
        self.event("supervision.slot", slot.pk, action, submitter, slot.org, when,
                   from_state="pending" if version == 1 else "returned", to_state="submitted",
                   payload={**base, "version": version, "on_time": day <= slot.due_date, "label": slot.label})
        self.event("supervision.report", report.pk, action, submitter, slot.org, when, to_state="submitted",
                   payload={**base, "version": version, "activities": len(kinds)})
        if version == 1 and rng.random() < 0.25:
            for received, pk in report_problems.get(slot.org_id, []):
                if pk not in used and slot.period_end <= received <= day:
                    used.add(pk)
                    Finding.objects.create(report=report, problem_id=pk)
                    self.event("supervision.report", report.pk, "finding", submitter, slot.org, when,
                               to_state="submitted", payload={**base, "problem_id": pk})
                    break
        if version == 1 and rng.random() < 0.15:
            unit = rng.choice(list(self.city.city_units.values()))
            deadline = day + dt.timedelta(days=rng.randint(30, 120))
            done = deadline < self.end and rng.random() < 0.6
            entry = Rectification.objects.create(
                item=item, slot=slot, report=report, title=f"{item.title.replace('监督', '')}中发现的问题整改",
                measures="制定整改方案，明确责任人和时限，逐项销号。", responsible_unit=unit, deadline=deadline,
                status=RectificationStatus.DONE if done else rng.choice(
                    [RectificationStatus.IN_PROGRESS, RectificationStatus.STAGE_DONE]),
                closed_on=deadline - dt.timedelta(days=rng.randint(0, 20)) if done else None, created_by=submitter)
            self.event("supervision.rectification", entry.pk, "create", submitter, slot.org, when,
                       to_state="in_progress", payload={**base, "title": entry.title, "unit": str(unit),
                                                        "deadline": deadline.isoformat()})
            if done:
                self.event("supervision.rectification", entry.pk, "close", submitter, slot.org,
                           _at(entry.closed_on, 16), from_state="in_progress", to_state="done",
                           reason="整改完成，现场核查通过",
                           payload={**base, "closed_on": entry.closed_on.isoformat()})
        return report

    def review(self, slot, report, reviewer, day, approve: bool) -> None:
        report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
        report.reviewed_by, report.reviewed_at = reviewer, _at(day, 15)
        report.review_comment = "" if approve else "监督活动记录过于简单，请补充现场核查情况和佐证材料。"
        report.save()
        action = "approve" if approve else "return"
        payload = {"item_id": slot.item_id, "slot_id": slot.pk, "version": report.version}
        self.event("supervision.slot", slot.pk, action, reviewer, slot.item.office, _at(day, 15),
                   from_state="submitted", to_state="approved" if approve else "returned",
                   reason=report.review_comment, payload=payload)
        self.event("supervision.report", report.pk, action, reviewer, slot.item.office, _at(day, 15),
                   from_state="submitted", to_state=report.status, reason=report.review_comment, payload=payload)


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """Seed the supervision lists of the demo city; returns a one-line summary."""
    events: list[EventSpec] = []
    plan, themes, tasks, projects, off_track = _Plans(city, rng, end, events).run()
    slots = _Reports(city, rng, end, events).items(plan, tasks, projects)
    record_events(events)
    return (f"监督清单：{YEAR}年度计划 1 个、主题 {len(themes)} 个、重点任务 {len(tasks)} 项"
            f"（偏离进度指标 {off_track} 个）、重点项目 {len(projects)} 个、监督事项 {len(ITEMS)} 项、"
            f"报送期次 {slots} 个（截至 {end} 超期未报 "
            f"{ReportSlot.objects.filter(state__in=['pending', 'returned'], due_date__lt=end).count()} 个）。")
