"""The deadlines of 会商 decisions, watched by the reminder engine (contract in core/deadlines.py): the assignee
body's people are reminded, the convening body's heads receive the escalation."""
from collections.abc import Mapping, Sequence

from django.urls import reverse

from qingshan.access.collaboration import visible_partner_transfers, visible_tasks
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import HEAD_ROLES
from qingshan.orgs.models import Membership
from qingshan.problems.choices import TERMINAL_STATES

from .choices import PartnerTransferState, TaskState
from .models import PartnerTransfer, Task


def _members(org_ids: set[int], roles=None) -> dict[int, set[int]]:
    rows = Membership.objects.filter(organisation_id__in=org_ids, is_active=True, user__is_active=True)
    if roles is not None:
        rows = rows.filter(role__in=roles)
    found: dict[int, set[int]] = {}
    for org_id, user_id in rows.values_list("organisation_id", "user_id"):
        found.setdefault(org_id, set()).add(user_id)
    return found


def task_recipients(tasks: Sequence[Task]) -> Mapping[int, set[int]]:
    people = _members({t.assignee_id for t in tasks})
    return {t.pk: people.get(t.assignee_id, set()) for t in tasks}


def task_escalation_recipients(tasks: Sequence[Task]) -> Mapping[int, set[int]]:
    rows = Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("pk", "consultation__convened_by",
                                                                         "interview__led_by")
    conveners = {pk: convener or leader for pk, convener, leader in rows}
    heads = _members(set(conveners.values()), HEAD_ROLES)
    return {pk: heads.get(org, set()) for pk, org in conveners.items()}


def transfer_recipients(transfers: Sequence[PartnerTransfer]) -> Mapping[int, set[int]]:
    people = _members({t.partner_id for t in transfers})
    return {t.pk: people.get(t.partner_id, set()) for t in transfers}


def transfer_escalation_recipients(transfers: Sequence[PartnerTransfer]) -> Mapping[int, set[int]]:
    heads = _members({t.sender_org_id for t in transfers}, HEAD_ROLES)
    return {t.pk: heads.get(t.sender_org_id, set()) for t in transfers}


DEADLINE_KINDS = [
    DeadlineKind(
        code="collaboration.task", label="会商决定事项完成期限",
        watched=lambda: Task.objects.filter(state=TaskState.OPEN), deadline_field="deadline",
        title=lambda t: f"{'约谈整改承诺' if t.interview_id else '会商决定事项'}：{t.text[:30]}（{t.assignee}）",
        url=lambda t: t.get_absolute_url(),
        recipients=task_recipients, escalation_recipients=task_escalation_recipients,
        visible=visible_tasks, title_related=("assignee",), unit="assignee",
        default_blue_days=2, default_escalate_after_days=3,
    ),
    # 移送协作单位: the partner is reminded before its feedback is due and chased once overdue; the sending body's heads
    # receive the escalation. A transfer sent back for more is watched again with its new deadline. Once its problem
    # is closed or merged the chase stops (the transfer stays listed and can still be answered): the body that sent
    # it has concluded, and the shares made before transfers existed (collaboration 0004), mostly of long-closed
    # problems, would otherwise all be chased on the first sweep after an upgrade.
    DeadlineKind(
        code="collaboration.partner_transfer", label="移送协作单位反馈期限",
        watched=lambda: (PartnerTransfer.objects
                         .filter(state__in=[PartnerTransferState.SENT, PartnerTransferState.RECEIVED])
                         .exclude(problem__state__in=TERMINAL_STATES)),
        deadline_field="feedback_deadline",
        title=lambda t: f"移送反馈：{t.number}（{t.partner}）",
        url=lambda t: reverse("collaboration:partner_transfer", args=[t.pk]),
        recipients=transfer_recipients, escalation_recipients=transfer_escalation_recipients,
        visible=visible_partner_transfers, title_related=("partner",), unit="partner", urge_count_field="urge_count",
        page="collaboration:partner_transfer",
        default_blue_days=2, default_escalate_after_days=3,
    ),
]
