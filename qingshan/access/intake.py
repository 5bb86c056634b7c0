"""Who sees machine intake: the supervising side only (a unit sees the problems it was given, not the intake log),
and of the alerts only those whose problem the person may see."""
from django.db.models import QuerySet

from qingshan.core.errors import NotFound
from qingshan.intake.models import Alert

from .actors import profile_of
from .problems import visible_problems


def may_see_intake(user) -> bool:
    return bool(profile_of(user).supervising) or bool(getattr(user, "is_superuser", False))


def visible_alerts(user) -> QuerySet[Alert]:
    if not may_see_intake(user):
        return Alert.objects.none()
    return Alert.objects.filter(problem__in=visible_problems(user).values("pk"))


def access_alert(user, pk: int | str) -> Alert:
    """The alert if the user may see it; otherwise NotFound, exactly as for a missing id."""
    if not str(pk).isdigit():
        raise NotFound("预警不存在或无权查看。")
    alert = visible_alerts(user).select_related("sender", "problem").filter(pk=pk).first()
    if alert is None:
        raise NotFound("预警不存在或无权查看。")
    return alert
