"""Reads of 会商 and their tasks, scoped by the access module."""
from django.db.models import Count, Q, QuerySet

from qingshan.access.collaboration import access_consultation, visible_consultations
from qingshan.orgs.models import User

from .choices import TaskState
from .models import Consultation


def consultation_list(*, user: User) -> QuerySet[Consultation]:
    return (visible_consultations(user).select_related("convened_by")
            .annotate(task_count=Count("tasks", distinct=True),
                      open_tasks=Count("tasks", filter=Q(tasks__state=TaskState.OPEN), distinct=True))
            .order_by("-held_on", "-pk"))


def consultation_detail(*, user: User, pk: int | str) -> Consultation:
    return access_consultation(user, pk)
