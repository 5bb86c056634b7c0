"""Every read of the supervision lists. Each selector starts from the access-scoped queryset."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from qingshan.access import supervision as access
from qingshan.access.problems import visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.orgs.models import Region, User
from qingshan.problems.models import Attachment, Problem

from .choices import OPEN_SLOT_STATES, ReportStatus, SlotState, Stage
from .models import (
    Finding,
    Indicator,
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


def _value(filters: Mapping[str, Any] | None, key: str) -> Any:
    value = (filters or {}).get(key)
    return None if value in (None, "") else value


def plan_list(*, user: User) -> QuerySet[Plan]:
    """Plans `user` may see, newest year first."""
    return access.visible_plans(user).select_related("commission")


def plan_overview(*, user: User, plan: Plan) -> list[Theme]:
    """The plan's themes with their visible tasks and indicators, in three queries."""
    tasks = access.visible_tasks(user).select_related("office", "lead_unit").prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("id")))
    return list(plan.themes.prefetch_related(Prefetch("tasks", queryset=tasks)))


def indicator_readings(*, user: User, indicator: Indicator) -> QuerySet:
    """An indicator's readings, newest first (the indicator was fetched through access)."""
    return indicator.readings.select_related("recorded_by").order_by("-read_on", "-id")


def project_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[KeyProject]:
    """Key projects `user` may see; filters: plan, stage, unit, q, region (a region id: its whole subtree), risk
    (truthy: projects with integrity-risk points)."""
    qs = access.visible_projects(user).select_related("responsible_unit", "region", "leader", "theme")
    if _value(filters, "plan"):
        qs = qs.filter(plan_id=_value(filters, "plan"))
    if _value(filters, "stage"):
        qs = qs.filter(stage=_value(filters, "stage"))
    region = _value(filters, "region")
    if region:
        path = Region.objects.filter(pk=region).values_list("path", flat=True).first() if str(region).isdigit() \
            else None
        qs = qs.filter(region__path__startswith=path) if path else qs.none()
    if _value(filters, "risk"):
        qs = qs.exclude(risk_points=[])
    if _value(filters, "unit"):
        qs = qs.filter(responsible_unit_id=_value(filters, "unit"))
    if _value(filters, "q"):
        qs = qs.filter(name__icontains=_value(filters, "q"))
    return qs.order_by("id")


def supervision_item_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[SupervisionItem]:
    """Supervision items `user` may see (监督清单); filters: plan, office, org (assignee), task, project, q."""
    qs = access.visible_items(user).select_related("plan", "office", "task", "project")
    for key, lookup in (("plan", "plan_id"), ("office", "office_id"), ("task", "task_id"),
                        ("project", "project_id"), ("org", "assignments__org_id")):
        if _value(filters, key):
            qs = qs.filter(**{lookup: _value(filters, key)})
    if _value(filters, "q"):
        qs = qs.filter(title__icontains=_value(filters, "q"))
    return qs.order_by("-id").distinct() if _value(filters, "org") else qs.order_by("-id")


def slot_kpi_conditions(as_of: dt.date) -> dict[str, tuple[Q, str]]:
    """The report slots' KPI conditions (一图总览's supervision progress), judged as of a day: key -> (Q, label).

    `on_time` needs no as-of cut of its own: a slot reported on time was reported by its due date, before `as_of`.
    """
    due = Q(due_date__lte=as_of)
    return {
        "due": (due, "已到报送期限"),
        "on_time": (due & Q(on_time=True), "按时报送"),
        "overdue": (Q(state__in=OPEN_SLOT_STATES, due_date__lt=as_of), "逾期未报送"),
    }


def _as_of(filters: Mapping[str, Any] | None) -> dt.date:
    try:
        return dt.date.fromisoformat(str(_value(filters, "as_of") or ""))
    except ValueError:
        return timezone.localdate()


def report_slot_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[ReportSlot]:
    """Report slots `user` may see; filters: item, org, state ("open" = owing a report), overdue (truthy), mine
    (truthy: only the user's own assignee organisations), to_review (truthy: submitted to the user's office),
    kpi (a `slot_kpi_conditions` key, judged as of `as_of` or today), region (a region id: the slots of the
    assignees in its subtree)."""
    qs = access.visible_slots(user).select_related("item", "org")
    kpi = _value(filters, "kpi")
    if kpi:
        conditions = slot_kpi_conditions(_as_of(filters))
        qs = qs.filter(conditions[kpi][0]) if kpi in conditions else qs.none()
    region = _value(filters, "region")
    if region:
        path = Region.objects.filter(pk=region).values_list("path", flat=True).first() if str(region).isdigit() \
            else None
        qs = qs.filter(org__region__path__startswith=path) if path else qs.none()
    if _value(filters, "item"):
        qs = qs.filter(item_id=_value(filters, "item"))
    if _value(filters, "org"):
        qs = qs.filter(org_id=_value(filters, "org"))
    state = _value(filters, "state")
    if state == "open":
        qs = qs.filter(state__in=OPEN_SLOT_STATES)
    elif state in SlotState.values:
        qs = qs.filter(state=state)
    if _value(filters, "overdue"):
        qs = qs.filter(state__in=OPEN_SLOT_STATES, due_date__lt=timezone.localdate())
    if _value(filters, "mine"):
        qs = qs.filter(org_id__in=access.assignee_org_ids(user))
    if _value(filters, "to_review"):
        qs = qs.filter(state=SlotState.SUBMITTED, item__office_id__in=access.office_org_ids(user))
    return qs.order_by("due_date", "id")


def rectification_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Rectification]:
    """Entries of the rectification list (整改清单) `user` may see; filters: item, status, unit, open (truthy)."""
    qs = access.visible_rectifications(user).select_related("item", "slot__org", "responsible_unit", "problem")
    for key, lookup in (("item", "item_id"), ("status", "status"), ("unit", "responsible_unit_id")):
        if _value(filters, key):
            qs = qs.filter(**{lookup: _value(filters, key)})
    if _value(filters, "open"):
        qs = qs.filter(closed_on__isnull=True)
    return qs.order_by("-id")


def item_detail(*, user: User, item: SupervisionItem) -> tuple[list, list[ReportSlot]]:
    """An item's assignments (only the user's own for an assignee) and their slots, ordered for the grid."""
    slots = list(report_slot_list(user=user, filters={"item": item.pk}).order_by("org_id", "period_start"))
    orgs = list(dict.fromkeys(s.org for s in slots))
    if not slots:
        # An item without slots still shows whom it is assigned to (to those who see the whole item).
        orgs = [a.org for a in item.assignments.select_related("org")] if _sees_whole_item(user, item) else []
    return orgs, slots


def _sees_whole_item(user: User, item: SupervisionItem) -> bool:
    return access.visible_slots(user).filter(item=item).exists() or access.reviewer_org(user, item) is not None or \
        access.visible_plans(user).filter(pk=item.plan_id).exists()


def slot_reports(*, user: User, slot: ReportSlot) -> list[Report]:
    """All versions of a slot's report, newest first, with activities, evidence files, findings and rectifications."""
    return list(slot.reports.select_related("submitted_by", "reviewed_by").prefetch_related(
        # A finding's problem may be restricted to named people: only the problems the user may see are listed.
        "activities", "attachments", Prefetch("findings", queryset=Finding.objects.filter(
            problem__in=visible_problems(user)).select_related("problem")),
        Prefetch("rectifications", queryset=Rectification.objects.select_related("responsible_unit")),
    ).order_by("-version"))


SLOT_EVENT_TYPES = ("supervision.slot", "supervision.report", "supervision.rectification")


def _events_of_items(item_ids: list[int], extra: Q, slot_ids: set[int]) -> list[AuditEvent]:
    """The events of some items (建账, 分派), of their slots, reports and rectification entries, and `extra`, oldest
    first; slot-level events only of the slots in `slot_ids` (an assignee sees none of another's)."""
    q = extra | Q(object_type="supervision.item", object_id__in=item_ids) | Q(
        object_type__in=SLOT_EVENT_TYPES, payload__item_id__in=item_ids)
    events = AuditEvent.objects.filter(q).select_related("actor_org").order_by("seq")
    return [e for e in events if e.object_type not in SLOT_EVENT_TYPES
            or (e.payload or {}).get("slot_id", e.object_id if e.object_type == "supervision.slot" else None)
            in slot_ids]


def item_timeline(*, user: User, item: SupervisionItem, slots: list[ReportSlot]) -> list[AuditEvent]:
    """An item's audit trail (建账 → 分派 → 报送 → 审核 → 整改销号) as far as the user sees its slots."""
    return _events_of_items([item.pk], Q(pk__in=[]), {s.pk for s in slots})


@dataclass(frozen=True)
class DossierEntry:
    """One line of a project's chronological file: when, what kind of record, what it says, where it is."""

    at: dt.datetime
    kind: str
    text: str
    url: str = ""
    who: str = ""


@dataclass
class Dossier:
    """一项目一档案: the records of one key project, each once, in time order."""

    project: KeyProject
    tasks: list[KeyTask] = field(default_factory=list)
    stage_history: list[ProjectStageChange] = field(default_factory=list)
    items: list[SupervisionItem] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rectifications: list[Rectification] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    report_attachments: list[ReportAttachment] = field(default_factory=list)  # the reports' 佐证, in time order
    entries: list[DossierEntry] = field(default_factory=list)


def _covers(org_region_path: str, project: KeyProject) -> bool:
    """A supervising body reports on the project when the project lies in its jurisdiction (a city-level group
    covers every district; another district's commission does not)."""
    return project.region.path.startswith(org_region_path)


def project_dossier(*, user: User, project: KeyProject) -> Dossier:
    """One project's own file: its stage history; among the reports on the items linked to it, those of the bodies
    whose jurisdiction holds the project; the problems they found in the project's region; the rectifications its
    responsible unit (or one of those problems) must make; their attachments. Each read through the user's scope
    (the project was fetched through access); an item's reports about other places or units are not the project's."""
    dossier = Dossier(project=project)
    dossier.tasks = list(project.tasks.prefetch_related("indicators"))
    dossier.stage_history = list(project.stage_changes.select_related("changed_by"))
    dossier.items = list(supervision_item_list(user=user, filters={"project": project.pk}))
    item_ids = [i.pk for i in dossier.items]
    slots = [s for s in access.visible_slots(user).filter(item_id__in=item_ids).select_related("org__region")
             if _covers(s.org.region.path, project)]
    dossier.reports = list(Report.objects.filter(slot__in=slots).select_related(
        "slot__org", "slot__item", "submitted_by", "reviewed_by").order_by("submitted_at", "id"))
    dossier.problems = list(visible_problems(user).filter(
        supervision_finding__report__in=dossier.reports, region_path__startswith=project.region.path,
    ).select_related("lead_unit").order_by("received_at", "id"))
    dossier.rectifications = list(rectification_list(user=user).filter(slot__in=slots).filter(
        Q(responsible_unit_id=project.responsible_unit_id) | Q(problem__in=dossier.problems)).order_by(
        "created_at", "id"))
    dossier.attachments = list(Attachment.objects.filter(problem__in=dossier.problems).select_related(
        "problem", "uploaded_by").order_by("uploaded_at", "id"))
    dossier.report_attachments = list(access.visible_report_attachments(user).filter(
        report__in=dossier.reports).select_related("report__slot__org", "report__slot__item", "uploaded_by").order_by(
        "uploaded_at", "id"))
    dossier.entries = _entries(dossier)
    return dossier


def _day(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _entries(d: Dossier) -> list[DossierEntry]:
    """The dossier's records as one chronological list (a record's date, then the order the steps happen in)."""
    entries = []
    for s in d.stage_history:
        text = f"{Stage(s.from_stage).label} → {Stage(s.to_stage).label}" if s.from_stage else \
            f"建档（{Stage(s.to_stage).label}）"
        entries.append(DossierEntry(_day(s.changed_on), "阶段", text + (f"：{s.note}" if s.note else ""),
                                    who=str(s.changed_by)))
    for r in d.reports:
        url = reverse("supervision:slot", args=[r.slot_id])
        title = f"{r.slot.item.title} · {r.slot.label}（第{r.version}版）"
        entries.append(DossierEntry(r.submitted_at, "报送", f"{r.slot.org}报送{title}", url, str(r.submitted_by)))
        if r.reviewed_at:
            entries.append(DossierEntry(r.reviewed_at, "审核", f"{ReportStatus(r.status).label}：{title}"
                                        + (f"，{r.review_comment}" if r.review_comment else ""), url,
                                        str(r.reviewed_by or "")))
    for f in d.report_attachments:
        entries.append(DossierEntry(f.uploaded_at, "佐证", f"{f.report.slot.org} · {f.report.slot.item.title} · "
                                    f"{f.report.slot.label}（第{f.report.version}版）：{f.original_name}",
                                    reverse("supervision:report_file", args=[f.pk]), str(f.uploaded_by)))
    for p in d.problems:
        entries.append(DossierEntry(p.received_at, "问题", f"{p.number} {p.title}",
                                    reverse("problems:detail", args=[p.pk])))
    for e in d.rectifications:
        entries.append(DossierEntry(e.created_at, "整改",
                                    f"建账：{e.title}（{e.responsible_unit}，期限 {e.deadline}）"))
        if e.closed_on:
            entries.append(DossierEntry(_day(e.closed_on, 23), "整改", f"销号：{e.title}"))
    for a in d.attachments:
        entries.append(DossierEntry(a.uploaded_at, "附件", f"{a.problem.number} · {a.original_name}",
                                    reverse("problems:download", args=[a.pk]), str(a.uploaded_by)))
    return sorted(dict.fromkeys(entries), key=lambda e: e.at)
