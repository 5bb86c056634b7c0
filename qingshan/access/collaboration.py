"""Who sees a 会商 and its tasks: the commission side within its jurisdiction, the convening body, and the bodies
that take part (a partner or unit sees the meetings it was invited to, never the others)."""
from django.db.models import Q, QuerySet

from qingshan.collaboration.models import Consultation, RegionTransfer, Task
from qingshan.core.errors import NotFound
from qingshan.orgs.models import User

from .actors import profile_of


def visible_consultations(user: User) -> QuerySet[Consultation]:
    profile = profile_of(user)
    if not profile.org_ids:
        return Consultation.objects.none()
    condition = Q(convened_by_id__in=profile.org_ids) | Q(participants__in=profile.org_ids)
    for path in profile.jurisdiction_paths:
        condition |= Q(convened_by__region__path__startswith=path)
    ids = Consultation.objects.filter(condition).values("pk")
    return Consultation.objects.filter(pk__in=ids)


def access_consultation(user: User, pk: int | str) -> Consultation:
    if not str(pk).isdigit():
        raise NotFound("会商不存在或无权查看。")
    found = visible_consultations(user).select_related("convened_by", "created_by").filter(pk=pk).first()
    if found is None:
        raise NotFound("会商不存在或无权查看。")
    return found


def visible_tasks(user: User) -> QuerySet[Task]:
    return Task.objects.filter(consultation__in=visible_consultations(user).values("pk"))


def may_convene(user: User, consultation: Consultation) -> bool:
    """Recording, deciding and closing belong to the supervisors of the convening body."""
    return any(org.pk == consultation.convened_by_id for org in profile_of(user).supervising)


def may_complete(user: User, task: Task) -> bool:
    """The assignee body reports its task done: any of its working members (not a read-only leader)."""
    profile = profile_of(user)
    return any(m.organisation_id == task.assignee_id and m.role != "readonly_leader" for m in profile.memberships)


def assigned_tasks(user: User) -> QuerySet[Task]:
    """Tasks of the bodies the user works in."""
    profile = profile_of(user)
    return Task.objects.filter(assignee_id__in=profile.org_ids) if profile.org_ids else Task.objects.none()


def visible_transfers(user: User) -> QuerySet[RegionTransfer]:
    """Transfers of problems the user may see, for the supervising side."""
    from .problems import visible_problems

    if not profile_of(user).supervising:
        return RegionTransfer.objects.none()
    return RegionTransfer.objects.filter(problem__in=visible_problems(user).values("pk"))
