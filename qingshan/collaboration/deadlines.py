"""The deadlines of 会商 decisions, watched by the reminder engine (contract in core/deadlines.py): the assignee
body's people are reminded, the convening body's heads receive the escalation."""
from collections.abc import Mapping, Sequence

from qingshan.access.collaboration import visible_tasks
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import HEAD_ROLES
from qingshan.orgs.models import Membership

from .choices import TaskState
from .models import Task


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
]
