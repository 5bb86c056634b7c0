"""Who may see and act on the supervision lists (domain §2–§3): plans, tasks, projects, items, slots, reports.

- Commission staff, leaders and read-only leaders see the plans of their jurisdiction and everything under them.
- The office in charge of an item (牵头部室) sees and reviews the item, its slots and reports.
- An assignee (stationed group, district commission) sees only its own assignments and slots, and their items.
- A responsible unit or a partner sees none of it.
"""
from collections.abc import Collection
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Organisation, User
from qingshan.supervision.models import (
    Assignment,
    Indicator,
    KeyProject,
    KeyTask,
    Plan,
    Rectification,
    ReportAttachment,
    ReportSlot,
    SupervisionItem,
)

from .actors import profile_of

OFFICE_ROLES = frozenset({Role.OFFICE_STAFF, Role.OFFICE_HEAD})
ASSIGNEE_ROLES = frozenset({Role.GROUP_STAFF, Role.GROUP_HEAD, Role.DISTRICT_STAFF, Role.DISTRICT_HEAD})
# Heads of an assignee receive escalations (提级督办) of its overdue reports.
ASSIGNEE_HEAD_ROLES = frozenset({Role.GROUP_HEAD, Role.DISTRICT_HEAD})
PLANNER_ROLES = OFFICE_ROLES | {Role.COMMISSION_LEADER}


def _org_ids(user: User, roles: Collection[str]) -> set[int]:
    return {m.organisation_id for m in profile_of(user).memberships if m.role in roles}


def assignee_org_ids(user: User) -> set[int]:
    """Organisations in whose name `user` reports (stationed groups and district commissions)."""
    return _org_ids(user, ASSIGNEE_ROLES)


def office_org_ids(user: User) -> set[int]:
    """Offices in whose name `user` follows items and reviews their reports."""
    return _org_ids(user, OFFICE_ROLES)


def _jurisdiction(user: User, field: str) -> Q:
    scope = Q(pk__in=[])
    for path in profile_of(user).jurisdiction_paths:
        scope |= Q(**{f"{field}__startswith": path})
    return scope


def plan_scope_q(user: User) -> Q:
    """Plans of the user's jurisdiction (commission staff, leaders, read-only leaders)."""
    return _jurisdiction(user, "region_path")


def task_scope_q(user: User) -> Q:
    """Key tasks (and through them indicators): the plan's jurisdiction or the office following the task."""
    return _jurisdiction(user, "theme__plan__region_path") | Q(office_id__in=office_org_ids(user))


def project_scope_q(user: User) -> Q:
    """Key projects: the plan's jurisdiction."""
    return _jurisdiction(user, "plan__region_path")


def item_scope_q(user: User) -> Q:
    """Items: the plan's jurisdiction, the office in charge, or an assignee of the item."""
    scope = _jurisdiction(user, "region_path") | Q(office_id__in=office_org_ids(user))
    assignees = assignee_org_ids(user)
    if assignees:
        scope |= Exists(Assignment.objects.filter(item=OuterRef("pk"), org_id__in=assignees))  # type: ignore[assignment]
    return scope


def slot_scope_q(user: User, prefix: str = "") -> Q:
    """Report slots (and their reports): jurisdiction, the office in charge, or the slot's own assignee only."""
    return (_jurisdiction(user, f"{prefix}item__region_path") | Q(**{f"{prefix}item__office_id__in":
                                                                      office_org_ids(user)})
            | Q(**{f"{prefix}org_id__in": assignee_org_ids(user)}))


def visible_plans(user: User) -> QuerySet[Plan]:
    return Plan.objects.filter(plan_scope_q(user))


def visible_tasks(user: User) -> QuerySet[KeyTask]:
    return KeyTask.objects.filter(task_scope_q(user))


def visible_indicators(user: User) -> QuerySet[Indicator]:
    return Indicator.objects.filter(task__in=visible_tasks(user))


def visible_projects(user: User) -> QuerySet[KeyProject]:
    return KeyProject.objects.filter(project_scope_q(user))


def visible_items(user: User) -> QuerySet[SupervisionItem]:
    return SupervisionItem.objects.filter(item_scope_q(user))


def visible_slots(user: User) -> QuerySet[ReportSlot]:
    return ReportSlot.objects.filter(slot_scope_q(user))


def visible_rectifications(user: User) -> QuerySet[Rectification]:
    return Rectification.objects.filter(slot_scope_q(user, "slot__"))


def visible_report_attachments(user: User) -> QuerySet[ReportAttachment]:
    """The evidence files of the reports of the slots `user` may see."""
    return ReportAttachment.objects.filter(slot_scope_q(user, "report__slot__"))


def _get(queryset: QuerySet, pk: int | str) -> Any:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def access_plan(user: User, pk: int | str) -> Plan:
    """The plan `pk` if visible to `user`, else NotFound (the same answer as for a missing id)."""
    return _get(visible_plans(user).select_related("commission"), pk)


def access_task(user: User, pk: int | str) -> KeyTask:
    return _get(visible_tasks(user).select_related("theme__plan", "office", "lead_unit", "leader"), pk)


def access_indicator(user: User, pk: int | str) -> Indicator:
    return _get(visible_indicators(user).select_related("task__theme__plan", "task__office"), pk)


def access_project(user: User, pk: int | str) -> KeyProject:
    return _get(visible_projects(user).select_related("plan", "theme", "responsible_unit", "region", "leader"), pk)


def access_item(user: User, pk: int | str) -> SupervisionItem:
    return _get(visible_items(user).select_related("plan__commission", "office", "task", "project"), pk)


def access_slot(user: User, pk: int | str) -> ReportSlot:
    return _get(visible_slots(user).select_related("item__plan", "item__office", "org", "assignment"), pk)


def access_report_attachment(user: User, pk: int | str) -> ReportAttachment:
    """An evidence file of a report whose slot `user` may see, else NotFound."""
    return _get(visible_report_attachments(user).select_related("report__slot"), pk)


def access_rectification(user: User, pk: int | str) -> Rectification:
    return _get(visible_rectifications(user).select_related("item", "slot__org", "responsible_unit"), pk)


# ---------------------------------------------------------------- capacities: in whose name a user may act


def planner_org(user: User, commission: Organisation) -> Organisation | None:
    """The organisation in whose name `user` sets up `commission`'s plan: one of its offices, or the commission
    itself for a commission leader; None if the user may not."""
    for m in profile_of(user).memberships:
        org = m.organisation
        if m.role in OFFICE_ROLES and org.parent_id == commission.pk:
            return org
        if m.role == Role.COMMISSION_LEADER and org.pk == commission.pk:
            return org
    return None


def reviewer_org(user: User, item: SupervisionItem) -> Organisation | None:
    """The office in charge, if `user` works in it (reviews reports, urges, escalates)."""
    return item.office if item.office_id in office_org_ids(user) else None


def assignee_org(user: User, slot: ReportSlot) -> Organisation | None:
    """The slot's assignee, if `user` reports in its name."""
    return slot.org if slot.org_id in assignee_org_ids(user) else None
