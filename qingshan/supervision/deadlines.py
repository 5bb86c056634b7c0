"""The deadlines of the supervision lists watched by the reminder engine (contract in qingshan/core/deadlines.py):
report slots still owing a report, and indicators not yet met (off-track ones shown yellow before their deadline)."""
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from django.db.models import Q
from django.urls import reverse

from qingshan.access.supervision import (
    ASSIGNEE_HEAD_ROLES,
    ASSIGNEE_ROLES,
    OFFICE_ROLES,
    visible_indicators,
    visible_slots,
)
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership

from .choices import OPEN_SLOT_STATES
from .models import Indicator, KeyTask, ReportSlot


def _members(org_ids: Collection[int], roles) -> dict[int, set[int]]:
    """Active members holding `roles`, by organisation, in one query."""
    result: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(organisation_id__in=set(org_ids), role__in=list(roles), is_active=True,
                                     user__is_active=True).values_list("organisation_id", "user_id")
    for org_id, user_id in rows:
        result[org_id].add(user_id)
    return result


# ---------------------------------------------------------------- report slots

SLOT_KIND = "supervision.report_slot"


def watched_slots():
    """Slots whose assignee still owes a report (never submitted, or returned for changes)."""
    return ReportSlot.objects.filter(state__in=OPEN_SLOT_STATES).select_related("item")


def slot_title(slot: ReportSlot) -> str:
    return f"监督事项报送：{slot.item.title}（{slot.label}）"


def slot_url(slot: ReportSlot) -> str:
    return reverse("supervision:slot", args=[slot.pk])


def slot_recipients(slots: Sequence[ReportSlot]) -> Mapping[int, Collection[int]]:
    """The members of each slot's assignee organisation."""
    members = _members({s.org_id for s in slots}, ASSIGNEE_ROLES)
    return {s.pk: members.get(s.org_id, set()) for s in slots}


def slot_escalation_recipients(slots: Sequence[ReportSlot]) -> Mapping[int, Collection[int]]:
    """The heads (组长/负责人) of each slot's assignee organisation."""
    heads = _members({s.org_id for s in slots}, ASSIGNEE_HEAD_ROLES)
    return {s.pk: heads.get(s.org_id, set()) for s in slots}


def slot_escalate(slot: ReportSlot, level: int, reason: str) -> bool:
    from .services import report_slot_escalate

    if level <= slot.escalation_level:
        return False
    report_slot_escalate(actor=None, slot=slot, level=level, reason=reason)
    return True


# ---------------------------------------------------------------- indicators


def watched_indicators():
    """Indicators whose target is not yet met."""
    return Indicator.objects.filter(met_on__isnull=True)


def indicator_title(indicator: Indicator) -> str:
    return f"指标进度：{indicator.name}"


def indicator_url(indicator: Indicator) -> str:
    return reverse("supervision:task", args=[indicator.task_id])


def _task_info(indicators: Sequence[Indicator]) -> dict[int, tuple[int, int | None, int]]:
    rows = KeyTask.objects.filter(pk__in={i.task_id for i in indicators}).values_list(
        "pk", "office_id", "leader_id", "theme__plan__commission_id")
    return {pk: (office, leader, commission) for pk, office, leader, commission in rows}


def indicator_recipients(indicators: Sequence[Indicator]) -> Mapping[int, Collection[int]]:
    """The supervising team: members of the office following the indicator's task."""
    tasks = _task_info(indicators)
    members = _members({office for office, _l, _c in tasks.values()}, OFFICE_ROLES)
    return {i.pk: members.get(tasks[i.task_id][0], set()) for i in indicators}


def indicator_escalation_recipients(indicators: Sequence[Indicator]) -> Mapping[int, Collection[int]]:
    """The commission leader in charge of the task (包联领导), else the commission's leaders."""
    tasks = _task_info(indicators)
    leaders = _members({c for _o, leader, c in tasks.values() if leader is None}, {Role.COMMISSION_LEADER})
    result = {}
    for i in indicators:
        _office, leader, commission = tasks[i.task_id]
        result[i.pk] = {leader} if leader else leaders.get(commission, set())
    return result


def indicator_escalate(indicator: Indicator, level: int, reason: str) -> bool:
    from .services import indicator_escalate as escalate

    if level <= indicator.escalation_level:
        return False
    escalate(actor=None, indicator=indicator, level=level, reason=reason)
    return True


DEADLINE_KINDS = [
    DeadlineKind(
        code=SLOT_KIND, label="监督事项报送期限", watched=watched_slots, deadline_field="due_date",
        title=slot_title, url=slot_url, recipients=slot_recipients,
        escalation_recipients=slot_escalation_recipients, escalate=slot_escalate, urge_count_field="urge_count",
        visible=visible_slots, title_related=("item",),
        default_blue_days=2, default_escalate_after_days=3, default_escalate_after_urges=2, unit="org",
        page="supervision:slot",
    ),
    DeadlineKind(
        code="supervision.indicator", label="指标完成期限", watched=watched_indicators, deadline_field="deadline",
        title=indicator_title, url=indicator_url, recipients=indicator_recipients,
        escalation_recipients=indicator_escalation_recipients, escalate=indicator_escalate,
        behind_schedule=lambda: Q(off_track=True), visible=visible_indicators, default_blue_days=10,
        default_escalate_after_days=5, unit="task__office", page="supervision:task",
    ),
]
