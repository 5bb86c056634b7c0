"""Reads of the intake log, scoped by the access module."""
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import QueryDict

from qingshan.access.intake import visible_alerts, visible_proposals
from qingshan.orgs.models import User

from .choices import AlertOutcome
from .models import Alert, DuplicateProposal, Sender


@dataclass(frozen=True)
class AlertFilters:
    sender: str = ""
    outcome: str = ""
    device: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> "AlertFilters":
        outcome = query.get("outcome", "")
        return cls(sender=query.get("sender", "").strip()[:40],
                   outcome=outcome if outcome in AlertOutcome.values else "",
                   device=query.get("device", "").strip()[:100])


def alert_list(*, user: User, filters: AlertFilters = AlertFilters()) -> QuerySet[Alert]:
    """The alerts the user may see, newest first, with their sender and problem and the problem's alert count."""
    alerts = visible_alerts(user)
    if filters.sender:
        alerts = alerts.filter(sender__code=filters.sender)
    if filters.outcome:
        alerts = alerts.filter(outcome=filters.outcome)
    if filters.device:
        alerts = alerts.filter(device=filters.device)
    return (alerts.select_related("sender", "problem", "routed_by__lead_unit")
            .annotate(recurrences=Count("problem__intake_alerts")).order_by("-received_at", "-pk"))


def sender_choices() -> list[tuple[str, str]]:
    return list(Sender.objects.order_by("code").values_list("code", "name"))


def pending_proposals(*, user: User) -> QuerySet[DuplicateProposal]:
    """The pending duplicate proposals the person may see, best match first, with both problems for the
    side-by-side view."""
    return (visible_proposals(user).filter(status=DuplicateProposal.Status.PENDING)
            .select_related("problem__category", "problem__region", "problem__lead_unit", "candidate__category",
                            "candidate__region", "candidate__lead_unit")
            .order_by("-created_at", "-score"))
