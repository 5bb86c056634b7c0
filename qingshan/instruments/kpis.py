"""The instruments' and accountability figures (domain §10), each a condition the list pages apply, so every figure
drills down to exactly the rows it counts."""
from django.db.models import Count, Q, QuerySet

from .choices import ISSUED_STATES, Form, State

# code -> (condition over instruments, label)
CONDITIONS: dict[str, tuple[Q, str]] = {
    "issued": (Q(issued_at__isnull=False), "已印发"),
    "awaiting": (Q(state__in=[State.ISSUED, State.RETURNED]), "待回复"),
    "replied": (Q(replied_on_time__isnull=False), "已回复"),
    "replied_on_time": (Q(replied_on_time=True), "按期回复"),
    "replied_late": (Q(replied_on_time=False), "逾期回复"),
    "assessed": (Q(rectified__isnull=False), "已评定整改结果"),
    "rectified": (Q(rectified=True), "整改到位"),
    "voided": (Q(state=State.VOIDED), "已作废"),
}


def instrument_figures(instruments: QuerySet) -> dict[str, int]:
    """Each figure's count over `instruments` (already scoped), in one query."""
    counts = instruments.aggregate(**{f"n_{code}": Count("pk", filter=q) for code, (q, _label) in CONDITIONS.items()})
    return {code: counts[f"n_{code}"] for code in CONDITIONS}


def issued_states() -> frozenset[str]:
    return ISSUED_STATES


def accountability_figures(records: QuerySet) -> dict:
    """人次 (persons held accountable) and records by form, over `records` (already scoped), in one query."""
    totals = records.aggregate(records=Count("pk", distinct=True), persons=Count("persons"))
    rows = records.order_by().values("form").annotate(records=Count("pk", distinct=True), persons=Count("persons"))
    by_form = {row["form"]: row for row in rows}
    return {
        "records": totals["records"], "persons": totals["persons"],
        "by_form": [(value, label, by_form.get(value, {}).get("records", 0), by_form.get(value, {}).get("persons", 0))
                    for value, label in Form.choices],
    }
