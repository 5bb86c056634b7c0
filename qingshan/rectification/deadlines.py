"""The rectification campaign's watched deadlines (domain §8): each item's rectification deadline and milestones
(the unit's), the on-site check after an application, the end of the public notice (to close out) and each 回头看
(the supervising side's)."""
from collections.abc import Collection, Mapping, Sequence

from django.db.models import Q, QuerySet
from django.urls import reverse

from qingshan.access.rectification import visible_items
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import HEAD_ROLES, LEADER_ROLES, SUPERVISOR_ROLES, UNIT_ROLES
from qingshan.orgs.models import Membership, Organisation

from .choices import OPEN_STATES, RecheckResult, State, WarningColour
from .models import Item, Milestone, Recheck


def _members(org_ids: set[int], roles) -> dict[int, set[int]]:
    """org id → ids of its active members holding one of `roles` (one query)."""
    result: dict[int, set[int]] = {}
    rows = Membership.objects.filter(organisation_id__in=org_ids, role__in=roles, is_active=True,
                                     user__is_active=True).values_list("organisation_id", "user_id")
    for org_id, user_id in rows:
        result.setdefault(org_id, set()).add(user_id)
    return result


def _unit(items: Sequence[Item]) -> Mapping[int, Collection[int]]:
    members = _members({i.lead_unit_id for i in items}, UNIT_ROLES)
    return {i.pk: members.get(i.lead_unit_id, set()) for i in items}


def _supervisors(items: Sequence[Item]) -> Mapping[int, Collection[int]]:
    members = _members({i.supervising_org_id for i in items}, SUPERVISOR_ROLES)
    return {i.pk: members.get(i.supervising_org_id, set()) for i in items}


def _heads(items: Sequence[Item]) -> Mapping[int, Collection[int]]:
    """The supervising organisation's heads and the leaders of its commission."""
    org_ids = {i.supervising_org_id for i in items}
    parents = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "parent_id"))
    members = _members(org_ids | {v for v in parents.values() if v}, HEAD_ROLES | LEADER_ROLES)
    return {i.pk: members.get(i.supervising_org_id, set()) | members.get(parents.get(i.supervising_org_id), set())
            for i in items}


def _per_item(func):
    """Adapt an item recipients function to records of an item (milestones, re-checks), keyed by the record."""
    def recipients(records: Sequence) -> Mapping[int, Collection[int]]:
        per_item = func([r.item for r in records])
        return {r.pk: per_item.get(r.item_id, ()) for r in records}
    return recipients


def _title(item: Item) -> str:
    return f"{item.number} {item.title}"


def item_url(item: Item) -> str:
    return reverse("rectification:detail", args=[item.pk])


def visible_milestones(user) -> QuerySet[Milestone]:
    return Milestone.objects.filter(item__in=visible_items(user).values("pk"))


def visible_rechecks(user) -> QuerySet[Recheck]:
    return Recheck.objects.filter(item__in=visible_items(user).values("pk"))


def _item_kind(code: str, label: str, states, field: str, recipients, **kwargs) -> DeadlineKind:
    return DeadlineKind(code=code, label=label, watched=lambda: Item.objects.filter(state__in=states),
                        deadline_field=field, title=_title, url=item_url, recipients=recipients,
                        escalation_recipients=_heads, visible=visible_items, unit="lead_unit",
                        page="rectification:detail", **kwargs)


DEADLINE_KINDS = [
    _item_kind("rectification.deadline", "整改期限", OPEN_STATES, "deadline", _unit, default_blue_days=10,
               default_escalate_after_days=5,
               # 黄牌/红牌 items are shown yellow before their due date: behind schedule.
               behind_schedule=lambda: Q(warning__in=[WarningColour.YELLOW, WarningColour.RED])),
    DeadlineKind(
        code="rectification.milestone", label="整改节点",
        watched=lambda: Milestone.objects.filter(done_on__isnull=True, item__state=State.IN_PROGRESS)
        .select_related("item"),
        deadline_field="due_on", title=lambda m: f"{_title(m.item)}：{m.title}", url=lambda m: item_url(m.item),
        title_related=("item",), recipients=_per_item(_unit), escalation_recipients=_per_item(_heads),
        visible=visible_milestones, unit="item__lead_unit", page="rectification:detail", default_blue_days=3,
        default_escalate_after_days=None),
    _item_kind("rectification.check", "验收现场核查", {State.APPLIED}, "check_due", _supervisors,
               default_blue_days=2, default_escalate_after_days=3),
    _item_kind("rectification.notice", "公示期满待销号", {State.NOTICE}, "notice_end", _supervisors,
               default_blue_days=0, default_escalate_after_days=5),
    DeadlineKind(
        code="rectification.recheck", label="回头看",
        watched=lambda: Recheck.objects.filter(result=RecheckResult.PENDING, item__state=State.CLOSED)
        .select_related("item"),
        deadline_field="due_on", title=lambda r: f"{_title(r.item)}（回头看）", url=lambda r: item_url(r.item),
        title_related=("item",), recipients=_per_item(_supervisors), escalation_recipients=_per_item(_heads),
        visible=visible_rechecks, unit="item__lead_unit", page="rectification:detail", default_blue_days=10,
        default_escalate_after_days=10),
]
