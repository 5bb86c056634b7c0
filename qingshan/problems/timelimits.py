"""Which time limits apply to a problem (domain §4, local practice: configurable per source and category)."""
from django.db.models import Q

from .models import Problem, TimeLimitRule

DEFAULT_RULE = TimeLimitRule(sign_days=1, handle_days=15, extension_notice_days=1)


def rule_for(problem: Problem) -> TimeLimitRule:
    """The most specific rule matching the problem's source, category and urgency; else the built-in default."""
    candidates = TimeLimitRule.objects.filter(
        (Q(source_id=problem.source_id) | Q(source__isnull=True))
        & (Q(category_id=problem.category_id) | Q(category__isnull=True))
        & (Q(urgency=problem.urgency) | Q(urgency=""))
    )
    return max(candidates, key=lambda r: r.specificity, default=DEFAULT_RULE)
