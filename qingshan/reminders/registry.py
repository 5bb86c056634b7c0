"""Discovery of the watched deadline kinds: `DEADLINE_KINDS` of `<app>.deadlines` for every installed app."""
from qingshan.core.deadlines import DeadlineKind, deadline_kinds

from .models import ReminderRule


def kind_by_code() -> dict[str, DeadlineKind]:
    """The kinds keyed by their stable code."""
    return {kind.code: kind for kind in deadline_kinds()}


def rules_for(kinds: list[DeadlineKind]) -> dict[str, ReminderRule]:
    """The rule of each kind, created from the kind's defaults the first time the kind is seen."""
    rules = {r.kind: r for r in ReminderRule.objects.filter(kind__in=[k.code for k in kinds])}
    missing = [ReminderRule(kind=k.code, label=k.label, blue_days=k.default_blue_days,
                            escalate_after_days=k.default_escalate_after_days,
                            escalate_after_urges=k.default_escalate_after_urges)
               for k in kinds if k.code not in rules]
    if missing:
        # Two sweeps starting together may both see the kind as new: the unique code keeps one rule.
        ReminderRule.objects.bulk_create(missing, ignore_conflicts=True)
        rules = {r.kind: r for r in ReminderRule.objects.filter(kind__in=[k.code for k in kinds])}
    return rules
