"""Who sees machine intake: the supervising side only (a unit sees the problems it was given, not the intake log),
and of the alerts only those whose problem the person may see."""
from django.db.models import QuerySet

from qingshan.core.errors import NotFound
from qingshan.intake.models import Alert, DuplicateProposal
from qingshan.orgs.models import User

from .actors import profile_of
from .problems import visible_problems


def may_see_intake(user: User) -> bool:
    return bool(profile_of(user).supervising) or bool(getattr(user, "is_superuser", False))


def visible_alerts(user: User) -> QuerySet[Alert]:
    if not may_see_intake(user):
        return Alert.objects.none()
    return Alert.objects.filter(problem__in=visible_problems(user).values("pk"))


def access_alert(user: User, pk: int | str) -> Alert:
    """The alert if the user may see it; otherwise NotFound, exactly as for a missing id."""
    if not str(pk).isdigit():
        raise NotFound("预警不存在或无权查看。")
    alert = visible_alerts(user).select_related("sender", "problem").filter(pk=pk).first()
    if alert is None:
        raise NotFound("预警不存在或无权查看。")
    return alert


def visible_proposals(user: User) -> QuerySet[DuplicateProposal]:
    """Proposals on problems the person may see, for the supervising side only."""
    if not may_see_intake(user):
        return DuplicateProposal.objects.none()
    visible = visible_problems(user).values("pk")
    return DuplicateProposal.objects.filter(problem__in=visible, candidate__in=visible)


def access_proposal(user: User, pk: int | str) -> DuplicateProposal:
    if not str(pk).isdigit():
        raise NotFound("疑似重复记录不存在或无权查看。")
    proposal = visible_proposals(user).select_related("problem", "candidate").filter(pk=pk).first()
    if proposal is None:
        raise NotFound("疑似重复记录不存在或无权查看。")
    return proposal


def may_decide(user: User, proposal: DuplicateProposal) -> bool:
    """Merging is the supervising body's call: the same people the work loop lets merge (its supervising org)."""
    profile = profile_of(user)
    return any(org.pk == proposal.problem.supervising_org_id for org in profile.supervising)
