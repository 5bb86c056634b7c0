"""Every change to the supervision lists: permission, validation, the write and its audit event, in one transaction.

Events of slots, reports and rectification entries carry `payload["item_id"]`, so the ledger can chain each
item's opening (建账), checks (查账) and closing (销账).
"""
import calendar
import datetime as dt
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from qingshan.access.problems import visible_problems
from qingshan.access.supervision import assignee_org, planner_org, reviewer_org, visible_tasks
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.notices import Notice, notify
from qingshan.core.uploads import checked_sha256, content_type_for, files_removed_on_failure
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Membership, Organisation, Region, User
from qingshan.problems.models import Source
from qingshan.problems.services import problem_create
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from .choices import (
    STAGE_ORDER,
    Action,
    ActivityKind,
    Cadence,
    Direction,
    EscalationLevel,
    RectificationStatus,
    ReportStatus,
    SlotState,
    Stage,
)
from .models import (
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
    ReportAttachment,
    ReportSlot,
    SupervisionItem,
    Theme,
)
from .transitions import SLOT_ACTIONS

Number = Decimal | int | float | str  # a quantity as a form, the API or an import gives it; _decimal checks it

# Findings become problems of the work loop with this source (监督报告, reference data of problems).
FINDING_SOURCE_CODE = "report"
MAX_REPORT_FILES = 20  # evidence files per submission


# ---------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def _require(text: object, message: str, field: str) -> str:
    if text is None or not str(text).strip():
        raise ServiceError(message, field=field)
    return str(text).strip()


def _decimal(value: object, label: str, field: str) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ServiceError(f"“{label}”须为数字。", field=field) from exc
    if not result.is_finite():
        raise ServiceError(f"“{label}”须为数字。", field=field)
    return result


def _planner(actor: User | None, plan_or_commission: Plan | Organisation) -> Organisation:
    commission = plan_or_commission.commission if isinstance(plan_or_commission, Plan) else plan_or_commission
    org = planner_org(actor, commission) if actor is not None else None
    if org is None:
        raise PermissionRefused("只有本级纪委监委部室工作人员或委领导可以维护监督计划。")
    return org


def _audit(object_type: str, object_id: int, action: str, *, actor: User | None,
           actor_org: Organisation | None = None, from_state: str = "", to_state: str = "", reason: str = "",
           payload: dict | None = None, internal: bool = False) -> None:
    record_event(object_type=object_type, object_id=object_id, action=action, actor=actor, actor_org=actor_org,
                 from_state=from_state, to_state=to_state, reason=reason, payload=payload, internal=internal)


def _due(day: dt.date, days: int) -> dt.date:
    try:
        return add_working_days(day, days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc


# ---------------------------------------------------------------- plan, themes, tasks, indicators


@transaction.atomic
def plan_create(*, actor: User, commission: Organisation, year: int, title: str, themes: Iterable[str] = ()) -> Plan:
    """Create a commission's annual plan (年度监督计划), optionally with its themes."""
    if commission.kind != OrgKind.COMMISSION:
        raise ServiceError("监督计划须属于一个纪委监委。", field="commission")
    org = _planner(actor, commission)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ServiceError("年度须为 2000 至 2100 之间的整数。", field="year")
    if Plan.objects.filter(commission=commission, year=year).exists():
        raise ServiceError(f"{commission}已有{year}年度监督计划。", field="year")
    plan = Plan.objects.create(year=year, title=_require(title, "请填写计划名称。", "title"), commission=commission,
                               region_path=commission.region.path, created_by=actor)
    names = [n.strip() for n in themes if n and n.strip()]
    if len(set(names)) != len(names):
        raise ServiceError("监督主题名称不能重复。", field="themes")
    Theme.objects.bulk_create([Theme(plan=plan, name=n, sort_order=i) for i, n in enumerate(names)])
    _audit("supervision.plan", plan.pk, Action.CREATE, actor=actor, actor_org=org,
           payload={"year": year, "title": plan.title, "themes": names})
    return plan


@transaction.atomic
def theme_create(*, actor: User, plan: Plan, name: str) -> Theme:
    """Add a theme (监督主题) to a plan."""
    org = _planner(actor, plan)
    name = _require(name, "请填写主题名称。", "name")
    if plan.themes.filter(name=name).exists():
        raise ServiceError(f"本计划已有主题“{name}”。", field="name")
    theme = Theme.objects.create(plan=plan, name=name, sort_order=plan.themes.count())
    _audit("supervision.plan", plan.pk, Action.UPDATE, actor=actor, actor_org=org, payload={"theme": name})
    return theme


def _check_office(office: Organisation, commission: Organisation) -> None:
    if office.kind != OrgKind.OFFICE or office.parent_id != commission.pk:
        raise ServiceError(f"“{office}”不是{commission}的内设部室。", field="office")


@transaction.atomic
def task_create(*, actor: User, theme: Theme, title: str, office: Organisation, description: str = "",
                lead_unit: Organisation | None = None, leader: User | None = None) -> KeyTask:
    """Add a key task (重点任务) under a theme, followed by an office of the commission."""
    plan = theme.plan
    org = _planner(actor, plan)
    _check_office(office, plan.commission)
    if lead_unit is not None and lead_unit.kind != OrgKind.UNIT:
        raise ServiceError("牵头单位须为责任单位。", field="lead_unit")
    task = KeyTask.objects.create(theme=theme, title=_require(title, "请填写任务名称。", "title"), office=office,
                                  description=(description or "").strip(), lead_unit=lead_unit, leader=leader,
                                  sort_order=theme.tasks.count())
    # The 包联领导 receives the task's escalations: one who could not open the task would get reminders of nothing.
    if leader is not None and not visible_tasks(leader).filter(pk=task.pk).exists():
        raise ServiceError(f"“{leader}”无权查看本计划，不能担任包联领导，请选择{plan.commission}的领导。",
                           field="leader")
    _audit("supervision.task", task.pk, Action.CREATE, actor=actor, actor_org=org,
           payload={"plan_id": plan.pk, "title": task.title, "office": str(office)})
    return task


def _indicator_actor_org(actor: User | None, indicator_or_task: Indicator | KeyTask) -> Organisation:
    task = indicator_or_task.task if isinstance(indicator_or_task, Indicator) else indicator_or_task
    if actor is not None and task.office_id in {m.organisation_id for m in _memberships(actor)}:
        return task.office
    return _planner(actor, task.theme.plan)


def _memberships(actor: User) -> list[Membership]:
    from qingshan.access.actors import profile_of

    return profile_of(actor).memberships


@transaction.atomic
def indicator_create(*, actor: User, task: KeyTask, name: str, baseline: Number, target: Number, direction: str,
                     start_date: dt.date, deadline: dt.date, unit: str = "") -> Indicator:
    """Add a quantified indicator to a key task."""
    org = _indicator_actor_org(actor, task)
    if direction not in Direction.values:
        raise ServiceError("指标方向须为“≥”或“≤”。", field="direction")
    if not isinstance(start_date, dt.date) or not isinstance(deadline, dt.date):
        raise ServiceError("请填写基期日期和完成期限。", field="deadline")
    if deadline <= start_date:
        raise ServiceError("完成期限须晚于基期日期。", field="deadline")
    indicator = Indicator(task=task, name=_require(name, "请填写指标名称。", "name"), unit=(unit or "").strip(),
                          baseline=_decimal(baseline, "基期值", "baseline"),
                          target=_decimal(target, "目标值", "target"), direction=direction, start_date=start_date,
                          deadline=deadline)
    _whole_if_counted(indicator, indicator.baseline, "基期值", "baseline")
    _whole_if_counted(indicator, indicator.target, "目标值", "target")
    indicator.off_track = indicator.is_off_track(_today())
    indicator.save()
    _audit("supervision.indicator", indicator.pk, Action.CREATE, actor=actor, actor_org=org,
           payload={"task_id": task.pk, "name": indicator.name, "target": str(indicator.target),
                    "deadline": deadline.isoformat()})
    return indicator


def _whole_if_counted(indicator: Indicator, value: Decimal, label: str, field: str) -> Decimal:
    """Refuse a fraction for an indicator that counts things (23.39 个 排污口 means nothing)."""
    if indicator.counts_things and value != value.to_integral_value():
        raise ServiceError(f"“{indicator.name}”以“{indicator.unit}”计，“{label}”须为整数。", field=field)
    return value


def _refresh_indicator(indicator: Indicator) -> None:
    """Latest value, met date and off-track flag from the readings (see Indicator's docstring for the rule)."""
    latest = indicator.readings.order_by("-read_on", "-id").first()
    indicator.latest_value = latest.value if latest else None
    indicator.latest_on = latest.read_on if latest else None
    if indicator.met_on is None and latest is not None and indicator.reaches(latest.value):
        indicator.met_on = latest.read_on
    indicator.off_track = indicator.met_on is None and indicator.is_off_track(_today())


@transaction.atomic
def indicator_add_reading(*, actor: User, indicator: Indicator, value: Number, read_on: dt.date, source: str = "",
                          note: str = "") -> IndicatorReading:
    """Record a reading of an indicator; recomputes its latest value and off-track flag."""
    indicator = Indicator.objects.select_for_update().select_related("task__theme__plan__commission").get(
        pk=indicator.pk)
    org = _indicator_actor_org(actor, indicator)
    value = _whole_if_counted(indicator, _decimal(value, "数值", "value"), "数值", "value")
    if not isinstance(read_on, dt.date):
        raise ServiceError("请填写读数日期。", field="read_on")
    if read_on > _today():
        raise ServiceError("读数日期不能晚于今天。", field="read_on")
    was_off = indicator.off_track
    reading = IndicatorReading.objects.create(indicator=indicator, value=value, read_on=read_on,
                                              source=(source or "").strip()[:100], note=(note or "").strip()[:300],
                                              recorded_by=actor)
    _refresh_indicator(indicator)
    indicator.save(update_fields=["latest_value", "latest_on", "met_on", "off_track"])
    _audit("supervision.indicator", indicator.pk, Action.READING, actor=actor, actor_org=org,
           from_state="off_track" if was_off else "on_track",
           to_state="met" if indicator.met_on else ("off_track" if indicator.off_track else "on_track"),
           payload={"task_id": indicator.task_id, "value": str(value), "read_on": read_on.isoformat()})
    return reading


@transaction.atomic
def indicator_escalate(*, actor: User | None, indicator: Indicator, level: int, reason: str) -> Indicator:
    """Escalate (督办) an unmet indicator; `actor=None` is the system acting under a reminder rule."""
    indicator = Indicator.objects.select_for_update().select_related("task__theme__plan__commission").get(
        pk=indicator.pk)
    org = None if actor is None else _indicator_actor_org(actor, indicator)
    reason = _require(reason, "请填写督办理由。", "reason")
    if indicator.met_on is not None:
        raise ServiceError("该指标已达标，无需督办。")
    if level not in EscalationLevel.values or level <= indicator.escalation_level:
        raise ServiceError("督办等级只能提高。", field="level")
    old = indicator.escalation_level
    indicator.escalation_level = level
    indicator.save(update_fields=["escalation_level"])
    _audit("supervision.indicator", indicator.pk, Action.ESCALATE, actor=actor, actor_org=org, reason=reason,
           payload={"task_id": indicator.task_id, "from_level": old, "level": level,
                    "label": EscalationLevel(level).label})
    return indicator


# ---------------------------------------------------------------- key projects


def _risk_points(points: Iterable[str]) -> list[str]:
    return [p.strip() for p in points if p and p.strip()]


@transaction.atomic
def project_create(*, actor: User, plan: Plan, name: str, responsible_unit: Organisation, region: Region,
                   planned_start: dt.date, planned_end: dt.date, investment: Number = 0, stage: str = Stage.PLANNING,
                   leader: User | None = None, theme: Theme | None = None, tasks: Iterable[KeyTask] = (),
                   risk_points: Iterable[str] = ()) -> KeyProject:
    """Register a key project (重点项目) in a plan; its first stage opens the stage history."""
    org = _planner(actor, plan)
    if responsible_unit.kind != OrgKind.UNIT:
        raise ServiceError("责任单位须为责任单位类型的组织。", field="responsible_unit")
    if stage not in Stage.values:
        raise ServiceError("项目阶段不正确。", field="stage")
    if planned_end < planned_start:
        raise ServiceError("计划完工日期不能早于计划开工日期。", field="planned_end")
    if theme is not None and theme.plan_id != plan.pk:
        raise ServiceError("监督主题不属于本计划。", field="theme")
    tasks = list(tasks)
    if any(t.theme.plan_id != plan.pk for t in tasks):
        raise ServiceError("关联的重点任务不属于本计划。", field="tasks")
    project = KeyProject.objects.create(
        plan=plan, theme=theme, name=_require(name, "请填写项目名称。", "name"), responsible_unit=responsible_unit,
        region=region, investment=_decimal(investment, "总投资", "investment"), planned_start=planned_start,
        planned_end=planned_end, stage=stage, leader=leader, risk_points=_risk_points(risk_points),
    )
    project.tasks.set(tasks)
    ProjectStageChange.objects.create(project=project, to_stage=stage, changed_on=_today(), note="建档",
                                      changed_by=actor)
    _audit("supervision.project", project.pk, Action.CREATE, actor=actor, actor_org=org, to_state=stage,
           payload={"plan_id": plan.pk, "name": project.name, "unit": str(responsible_unit)})
    return project


@transaction.atomic
def project_change_stage(*, actor: User, project: KeyProject, stage: str, changed_on: dt.date | None = None,
                         note: str = "") -> KeyProject:
    """Move a key project to its next stage(s); stages only go forward, each move kept in the history."""
    project = KeyProject.objects.select_for_update().select_related("plan__commission").get(pk=project.pk)
    org = _planner(actor, project.plan)
    if stage not in Stage.values:
        raise ServiceError("项目阶段不正确。", field="stage")
    if STAGE_ORDER.index(stage) <= STAGE_ORDER.index(project.stage):
        raise ServiceError(f"项目当前阶段为“{Stage(project.stage).label}”，只能推进到其后的阶段。", field="stage")
    changed_on = changed_on or _today()
    if changed_on > _today():
        raise ServiceError("阶段变更日期不能晚于今天。", field="changed_on")
    old = project.stage
    project.stage = stage
    project.save(update_fields=["stage"])
    ProjectStageChange.objects.create(project=project, from_stage=old, to_stage=stage, changed_on=changed_on,
                                      note=(note or "").strip()[:300], changed_by=actor)
    _audit("supervision.project", project.pk, Action.STAGE, actor=actor, actor_org=org, from_state=old,
           to_state=stage, reason=(note or "").strip(), payload={"changed_on": changed_on.isoformat()})
    return project


@transaction.atomic
def project_set_risk_points(*, actor: User, project: KeyProject, risk_points: Iterable[str]) -> KeyProject:
    """Replace a project's integrity-risk points (廉政风险点)."""
    org = _planner(actor, project.plan)
    project.risk_points = _risk_points(risk_points)
    project.save(update_fields=["risk_points"])
    _audit("supervision.project", project.pk, Action.UPDATE, actor=actor, actor_org=org,
           payload={"risk_points": project.risk_points})
    return project


# ---------------------------------------------------------------- items, assignments, slots


def periods(*, cadence: str, start: dt.date, end: dt.date, custom_days: int | None = None
            ) -> Iterator[tuple[dt.date, dt.date, str]]:
    """The reporting periods (start, end, label) covering [start, end] at `cadence`; the last one is clipped."""
    current = start
    while current <= end:
        if cadence == Cadence.WEEKLY:
            stop = current + dt.timedelta(days=6 - current.weekday())
        elif cadence == Cadence.MONTHLY:
            stop = current.replace(day=calendar.monthrange(current.year, current.month)[1])
        elif cadence == Cadence.QUARTERLY:
            last_month = (current.month - 1) // 3 * 3 + 3
            stop = dt.date(current.year, last_month, calendar.monthrange(current.year, last_month)[1])
        else:
            stop = current + dt.timedelta(days=(custom_days or 1) - 1)
        stop = min(stop, end)
        if cadence == Cadence.MONTHLY:
            label = f"{current.year}年{current.month}月"
        elif cadence == Cadence.QUARTERLY:
            label = f"{current.year}年第{(current.month - 1) // 3 + 1}季度"
        else:
            label = f"{current:%Y.%m.%d}—{stop:%m.%d}"
        yield current, stop, label
        current = stop + dt.timedelta(days=1)


def _check_item_fields(*, cadence: str, custom_days: int | None, period_start: dt.date, period_end: dt.date,
                       due_days: int) -> None:
    if cadence not in Cadence.values:
        raise ServiceError("报送周期须为每周、每月、每季度或自定义。", field="cadence")
    if cadence == Cadence.CUSTOM and not (isinstance(custom_days, int) and 1 <= custom_days <= 366):
        raise ServiceError("自定义周期须填写 1 至 366 天。", field="custom_days")
    if not isinstance(period_start, dt.date) or not isinstance(period_end, dt.date):
        raise ServiceError("请填写起始日期和截止日期。", field="period_end")
    if period_end < period_start:
        raise ServiceError("截止日期不能早于起始日期。", field="period_end")
    if not isinstance(due_days, int) or not 0 <= due_days <= 60:
        raise ServiceError("报送时限须为 0 至 60 个工作日。", field="due_days")


@transaction.atomic
def item_create(*, actor: User, plan: Plan, title: str, content: str, office: Organisation, period_start: dt.date,
                period_end: dt.date, cadence: str = Cadence.MONTHLY, custom_days: int | None = None,
                due_days: int = 5, basis: str = "", task: KeyTask | None = None,
                project: KeyProject | None = None) -> SupervisionItem:
    """Open a supervision item (监督事项, 建账) in a plan, followed by an office of the commission."""
    org = _planner(actor, plan)
    _check_office(office, plan.commission)
    _check_item_fields(cadence=cadence, custom_days=custom_days, period_start=period_start, period_end=period_end,
                       due_days=due_days)
    if task is not None and task.theme.plan_id != plan.pk:
        raise ServiceError("关联的重点任务不属于本计划。", field="task")
    if project is not None and project.plan_id != plan.pk:
        raise ServiceError("关联的重点项目不属于本计划。", field="project")
    item = SupervisionItem.objects.create(
        plan=plan, title=_require(title, "请填写监督事项名称。", "title"),
        content=_require(content, "请填写监督内容。", "content"), basis=(basis or "").strip()[:300], office=office,
        task=task, project=project, cadence=cadence, custom_days=custom_days if cadence == Cadence.CUSTOM else None,
        period_start=period_start, period_end=period_end, due_days=due_days, region_path=plan.region_path,
        created_by=actor,
    )
    _audit("supervision.item", item.pk, Action.CREATE, actor=actor, actor_org=org, to_state="open",
           payload={"item_id": item.pk, "plan_id": plan.pk, "title": item.title, "office": str(office),
                    "cadence": Cadence(cadence).label, "task_id": item.task_id, "project_id": item.project_id})
    return item


def _check_assignee(org: Organisation, commission: Organisation) -> None:
    is_group = org.kind == OrgKind.STATIONED_GROUP
    is_district = org.kind == OrgKind.COMMISSION and org.pk != commission.pk and org.region.path.startswith(
        commission.region.path)
    if not (is_group or is_district):
        raise ServiceError(f"“{org}”不是派驻纪检监察组或下级纪委监委，不能承办监督事项。", field="orgs")


def _new_slots(item: SupervisionItem, assignments: Sequence[Assignment], through: dt.date | None
               ) -> list[ReportSlot]:
    """Slots not yet created for periods of `item` ending on or before `through`. With `through=None`: every period
    whose due date the working-day calendar can already compute (a later year may have no holiday table yet)."""
    existing = set(ReportSlot.objects.filter(assignment__in=assignments).values_list("assignment_id", "period_start"))
    slots = []
    for start, end, label in periods(cadence=item.cadence, start=item.period_start, end=item.period_end,
                                     custom_days=item.custom_days):
        if through is not None and end > through:
            break
        if through is None:
            try:
                due = add_working_days(end, item.due_days)
            except CalendarNotAvailable:
                break
        else:
            due = _due(end, item.due_days)
        for a in assignments:
            if (a.pk, start) not in existing:
                slots.append(ReportSlot(assignment=a, item=item, org_id=a.org_id, period_start=start,
                                        period_end=end, label=label, due_date=due))
    return ReportSlot.objects.bulk_create(slots)


def _slot_events(slots: Sequence[ReportSlot], actor: User, org: Organisation) -> None:
    for slot in slots:
        _audit("supervision.slot", slot.pk, Action.GENERATE, actor=actor, actor_org=org, to_state=slot.state,
               payload={"item_id": slot.item_id, "org": str(slot.org) if slot.org_id else "", "label": slot.label,
                        "due_date": slot.due_date.isoformat()})


@transaction.atomic
def item_assign(*, actor: User, item: SupervisionItem, orgs: Iterable[Organisation], through: dt.date | None = None
                ) -> list[Assignment]:
    """Assign an item to supervising bodies and create their report slots for the periods up to `through`
    (default: every period whose due date the calendar can compute; report_slots_generate adds the later ones once
    an administrator has entered the next year's holidays)."""
    item = SupervisionItem.objects.select_for_update().select_related("plan__commission").get(pk=item.pk)
    org = _planner(actor, item.plan)
    orgs = list(dict.fromkeys(orgs))
    if not orgs:
        raise ServiceError("请选择至少一个承办监督主体。", field="orgs")
    for target in orgs:
        _check_assignee(target, item.plan.commission)
    already = set(item.assignments.values_list("org_id", flat=True))
    clash = [str(o) for o in orgs if o.pk in already]
    if clash:
        raise ServiceError(f"{'、'.join(clash)}已承办该监督事项。", field="orgs")
    assignments = [Assignment.objects.create(item=item, org=o, assigned_by=actor) for o in orgs]
    slots = _new_slots(item, assignments, through)
    _audit("supervision.item", item.pk, Action.ASSIGN, actor=actor, actor_org=org,
           payload={"item_id": item.pk, "orgs": [str(o) for o in orgs], "slots": len(slots)})
    for slot in slots:
        slot.org = next(o for o in orgs if o.pk == slot.org_id)
    _slot_events(slots, actor, org)
    return assignments


@transaction.atomic
def report_slots_generate(*, actor: User, item: SupervisionItem, through: dt.date | None = None) -> list[ReportSlot]:
    """Create the missing slots of every assignee for the periods of `item` ending on or before `through` (default:
    every period whose due date the calendar can compute)."""
    item = SupervisionItem.objects.select_for_update().select_related("plan__commission").get(pk=item.pk)
    org = _planner(actor, item.plan)
    assignments = list(item.assignments.select_related("org"))
    slots = _new_slots(item, assignments, through)
    orgs = {a.org_id: a.org for a in assignments}
    for slot in slots:
        slot.org = orgs[slot.org_id]
    _slot_events(slots, actor, org)
    return slots


# ---------------------------------------------------------------- reports and review


def _locked_slot(slot: ReportSlot) -> ReportSlot:
    return ReportSlot.objects.select_for_update(of=("self",)).select_related("item__plan__commission", "item__office",
                                                                             "org").get(pk=slot.pk)


def _clean_activities(activities: Iterable[Mapping[str, Any]]) -> list[Activity]:
    result = []
    for n, a in enumerate(activities, start=1):
        kind, day, note = a.get("kind"), a.get("happened_on"), (a.get("note") or "").strip()
        if kind not in ActivityKind.values:
            raise ServiceError(f"第{n}项监督活动的方式不正确。", field="activities")
        if not isinstance(day, dt.date):
            raise ServiceError(f"第{n}项监督活动须填写日期。", field="activities")
        if day > _today():
            raise ServiceError(f"第{n}项监督活动的日期不能晚于今天。", field="activities")
        if not note:
            raise ServiceError(f"第{n}项监督活动须填写情况。", field="activities")
        result.append(Activity(kind=kind, happened_on=day, note=note[:500]))
    if not result:
        raise ServiceError("请至少填写一项监督活动。", field="activities")
    return result


def _clean_rectifications(actor: User, rectifications: Iterable[Mapping[str, Any]]) -> list[dict]:
    result = []
    for n, r in enumerate(rectifications, start=1):
        title, measures = (r.get("title") or "").strip(), (r.get("measures") or "").strip()
        unit, deadline = r.get("responsible_unit"), r.get("deadline")
        if not title or not measures:
            raise ServiceError(f"第{n}项整改须填写整改事项和整改措施。", field="rectifications")
        if unit is None or unit.kind != OrgKind.UNIT:
            raise ServiceError(f"第{n}项整改须选择责任单位。", field="rectifications")
        if not isinstance(deadline, dt.date):
            raise ServiceError(f"第{n}项整改须填写整改期限。", field="rectifications")
        problem = r.get("problem")
        if problem is not None and not visible_problems(actor).filter(pk=problem.pk).exists():
            raise ServiceError(f"第{n}项整改关联的问题不存在或您无权查看。", field="rectifications")
        result.append({"title": title[:200], "measures": measures, "responsible_unit": unit, "deadline": deadline,
                       "problem": problem})
    return result


@SLOT_ACTIONS.performs(Action.SUBMIT)
def report_submit(*, actor: User, slot: ReportSlot, summary: str, activities: Sequence[dict] = (),
                  findings: Sequence[dict] = (), rectifications: Sequence[dict] = (),
                  files: Sequence[UploadedFile] = ()) -> Report:
    """Submit (报送) a slot's report, or resubmit it after a return as a new version (the returned one is kept).

    Each finding (title, description, category, region) is registered as a problem of the work loop with the
    source 监督报告 and linked back; each rectification opens an entry of the 整改清单; each file is kept as evidence
    (佐证) of this version, checked like a problem's attachments. "On time" is frozen at the first submission. All or
    nothing: a refused file or finding stores nothing, not even the files already written.
    """
    with files_removed_on_failure() as stored, transaction.atomic():
        return _submit(actor=actor, slot=slot, summary=summary, activities=activities, findings=findings,
                       rectifications=rectifications, files=files, stored=stored)


def _checked_files(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each file with its SHA-256, after the checks of core/uploads.py; at most MAX_REPORT_FILES."""
    files = [f for f in files if f]
    if len(files) > MAX_REPORT_FILES:
        raise ServiceError(f"每次报送最多上传{MAX_REPORT_FILES}个佐证材料。", field="files")
    return [(f, checked_sha256(f)) for f in files]


def _store_report_file(actor: User, report: Report, upload: UploadedFile, sha256: str,
                       stored: list[str]) -> ReportAttachment:
    name = upload.name or ""
    attachment = ReportAttachment(report=report, stored_token=secrets.token_hex(16), original_name=name[:200],
                                  content_type=content_type_for(name), size=upload.size or 0, sha256=sha256,
                                  uploaded_by=actor, uploaded_at=report.submitted_at)
    attachment.file.save(attachment.stored_token, upload, save=False)
    stored.append(attachment.file.name)
    attachment.save()
    return attachment


def _submit(*, actor: User, slot: ReportSlot, summary: str, activities: Sequence[dict], findings: Sequence[dict],
            rectifications: Sequence[dict], files: Sequence[UploadedFile], stored: list[str]) -> Report:
    slot = _locked_slot(slot)
    org = assignee_org(actor, slot)
    if org is None:
        raise PermissionRefused("只有承办该监督事项的派驻组或区县纪委监委人员可以报送。")
    rule = SLOT_ACTIONS.check_state(Action.SUBMIT, slot.state, ServiceError)
    summary = _require(summary, "请填写工作情况。", "summary")
    clean_activities = _clean_activities(activities)
    clean_rectifications = _clean_rectifications(actor, rectifications)
    checked_files = _checked_files(files)
    now = timezone.now()
    from_state = slot.state
    version = slot.reports.count() + 1
    report = Report.objects.create(slot=slot, version=version, summary=summary, submitted_by=actor, submitted_at=now)
    evidence = [_store_report_file(actor, report, upload, sha256, stored) for upload, sha256 in checked_files]
    for a in clean_activities:
        a.report = report
    Activity.objects.bulk_create(clean_activities)
    if slot.first_submitted_at is None:
        slot.first_submitted_at = now
        slot.on_time = timezone.localdate(now) <= slot.due_date
    slot.state = SlotState(SLOT_ACTIONS.leads_to(rule.code))
    slot.save(update_fields=["state", "first_submitted_at", "on_time"])
    base = {"item_id": slot.item_id, "slot_id": slot.pk}
    action = Action.SUBMIT if version == 1 else Action.RESUBMIT
    _audit("supervision.slot", slot.pk, action, actor=actor, actor_org=org, from_state=from_state,
           to_state=slot.state, payload={**base, "version": version, "on_time": slot.on_time, "label": slot.label})
    _audit("supervision.report", report.pk, action, actor=actor, actor_org=org, to_state=report.status,
           payload={**base, "version": version, "activities": len(clean_activities),
                    "files": [{"id": a.pk, "name": a.original_name, "sha256": a.sha256} for a in evidence]})
    if findings:
        source = Source.objects.filter(code=FINDING_SOURCE_CODE).first()
        if source is None:
            raise ServiceError("系统未配置“监督报告”问题来源，请联系管理员。", field="findings")
        for n, f in enumerate(findings, start=1):
            if not (f.get("title") or "").strip() or not (f.get("description") or "").strip():
                raise ServiceError(f"第{n}个发现问题须填写标题和描述。", field="findings")
            if f.get("category") is None or f.get("region") is None:
                raise ServiceError(f"第{n}个发现问题须选择类别和所在区划。", field="findings")
            try:
                problem = problem_create(actor=actor, title=f["title"], description=f["description"],
                                         source=source, category=f["category"], region=f["region"],
                                         location=f.get("location") or "")
            except ServiceError as exc:
                raise ServiceError(f"第{n}个发现问题：{exc.message}", field="findings") from exc
            Finding.objects.create(report=report, problem=problem)
            _audit("supervision.report", report.pk, Action.FINDING, actor=actor, actor_org=org,
                   to_state=report.status, payload={**base, "problem_id": problem.pk, "number": problem.number})
    for r in clean_rectifications:
        entry = Rectification.objects.create(item=slot.item, slot=slot, report=report, created_by=actor, **r)
        _audit("supervision.rectification", entry.pk, Action.CREATE, actor=actor, actor_org=org,
               to_state=entry.status, payload={**base, "title": entry.title, "unit": str(entry.responsible_unit),
                                               "deadline": entry.deadline.isoformat()})
    return report


@SLOT_ACTIONS.performs(Action.APPROVE, Action.RETURN)
@transaction.atomic
def report_review(*, actor: User, report: Report, approve: bool, comment: str = "") -> Report:
    """Review (审核) the latest submitted version: approve it, or return it with comments for resubmission."""
    slot = _locked_slot(report.slot)
    report = Report.objects.select_for_update().get(pk=report.pk)
    org = reviewer_org(actor, slot.item)
    if org is None:
        raise PermissionRefused("只有该监督事项的牵头部室可以审核报送。")
    if report.submitted_by_id == actor.pk:
        raise PermissionRefused("不能审核本人报送的材料。")
    action = Action.APPROVE if approve else Action.RETURN
    if report.status != ReportStatus.SUBMITTED:
        raise ServiceError(SLOT_ACTIONS[action].refused)
    rule = SLOT_ACTIONS.check_state(action, slot.state, ServiceError)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ServiceError("退回修改须填写审核意见。", field="comment")
    now = timezone.now()
    report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
    report.reviewed_by, report.reviewed_at, report.review_comment = actor, now, comment
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    from_state = slot.state
    slot.state = SlotState(SLOT_ACTIONS.leads_to(rule.code))
    slot.approved_at = now if approve else None
    slot.save(update_fields=["state", "approved_at"])
    base = {"item_id": slot.item_id, "slot_id": slot.pk, "version": report.version}
    _audit("supervision.slot", slot.pk, action, actor=actor, actor_org=org, from_state=from_state,
           to_state=slot.state, reason=comment, payload=base)
    _audit("supervision.report", report.pk, action, actor=actor, actor_org=org, from_state=ReportStatus.SUBMITTED,
           to_state=report.status, reason=comment, payload=base)
    if not approve:
        _notify_returned(slot, comment)
    return report


def _notify_returned(slot: ReportSlot, comment: str) -> None:
    """Tell the assignee's people that their report came back, with the comments (inbox, e-mail, group robot)."""
    from .deadlines import SLOT_KIND, slot_recipients

    notify(Notice(kind=SLOT_KIND, object_id=slot.pk, event="returned", deadline=slot.due_date,
                   user_ids=frozenset(slot_recipients([slot])[slot.pk]), note=f"审核意见：{comment}"))


@transaction.atomic
def report_attachment_record_download(*, actor: User, attachment: ReportAttachment) -> None:
    """Log a download of a report's evidence file (a sensitive read)."""
    _audit("supervision.report", attachment.report_id, Action.DOWNLOAD, actor=actor,
           payload={"attachment": attachment.pk, "name": attachment.original_name})


def _slot_supervisor(actor: User, slot: ReportSlot) -> Organisation:
    org = reviewer_org(actor, slot.item) or planner_org(actor, slot.item.plan.commission)
    if org is None:
        raise PermissionRefused("只有该监督事项的牵头部室或委领导可以催办、督办。")
    return org


@SLOT_ACTIONS.performs(Action.URGE)
@transaction.atomic
def report_slot_urge(*, actor: User, slot: ReportSlot, note: str) -> ReportSlot:
    """Urge (催办) the assignee of a slot still owing its report; counted on the slot."""
    slot = _locked_slot(slot)
    org = _slot_supervisor(actor, slot)
    note = _require(note, "请填写催办内容。", "note")
    SLOT_ACTIONS.check_state(Action.URGE, slot.state, ServiceError)
    slot.urge_count += 1
    slot.save(update_fields=["urge_count"])
    _audit("supervision.slot", slot.pk, Action.URGE, actor=actor, actor_org=org, from_state=slot.state,
           to_state=slot.state, reason=note, payload={"item_id": slot.item_id, "count": slot.urge_count})
    return slot


@SLOT_ACTIONS.performs(Action.ESCALATE)
@transaction.atomic
def report_slot_escalate(*, actor: User | None, slot: ReportSlot, level: int, reason: str) -> ReportSlot:
    """Escalate (督办) a slot still owing its report. `actor=None` is the system acting under a reminder rule,
    whose name the reason carries."""
    slot = _locked_slot(slot)
    org = None if actor is None else _slot_supervisor(actor, slot)
    reason = _require(reason, "请填写督办理由。", "reason")
    SLOT_ACTIONS.check_state(Action.ESCALATE, slot.state, ServiceError)
    if level not in EscalationLevel.values or level <= slot.escalation_level:
        raise ServiceError("督办等级只能提高。", field="level")
    old = slot.escalation_level
    slot.escalation_level = level
    slot.save(update_fields=["escalation_level"])
    _audit("supervision.slot", slot.pk, Action.ESCALATE, actor=actor, actor_org=org, from_state=slot.state,
           to_state=slot.state, reason=reason,
           payload={"item_id": slot.item_id, "from_level": old, "level": level,
                    "label": EscalationLevel(level).label})
    return slot


# ---------------------------------------------------------------- rectification entries (整改清单)


@transaction.atomic
def rectification_update(*, actor: User, rectification: Rectification, status: str, note: str,
                         closed_on: dt.date | None = None) -> Rectification:
    """Update an entry's status (查账); 已完成 closes it (销账) on `closed_on` (default today)."""
    entry = Rectification.objects.select_for_update(of=("self",)).select_related(
        "slot__item__plan__commission", "slot__item__office", "slot__org").get(pk=rectification.pk)
    org = assignee_org(actor, entry.slot) or reviewer_org(actor, entry.slot.item)
    if org is None:
        raise PermissionRefused("只有承办该监督事项的监督主体或牵头部室可以更新整改情况。")
    if entry.status == RectificationStatus.DONE:
        raise ServiceError("该整改事项已销号，不能再更新。")
    if status not in RectificationStatus.values:
        raise ServiceError("整改状态不正确。", field="status")
    note = _require(note, "请填写整改进展说明。", "note")
    old = entry.status
    entry.status = status
    action = Action.STATUS
    if status == RectificationStatus.DONE:
        entry.closed_on = closed_on or _today()
        if entry.closed_on > _today():
            raise ServiceError("销号日期不能晚于今天。", field="closed_on")
        action = Action.CLOSE
    entry.save(update_fields=["status", "closed_on"])
    _audit("supervision.rectification", entry.pk, action, actor=actor, actor_org=org, from_state=old,
           to_state=status, reason=note,
           payload={"item_id": entry.item_id, "slot_id": entry.slot_id,
                    "closed_on": entry.closed_on.isoformat() if entry.closed_on else None})
    return entry
