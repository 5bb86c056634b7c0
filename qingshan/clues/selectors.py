"""Reads of the discipline loop, every one built on access/clues.py (the handling circle less the hard block)."""
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet

from qingshan.access.clues import (
    OBJECT_TYPE,
    access_clue,
    circle_of,
    may_reveal_reporter,
    visible_clues,
    visible_reveals,
)
from qingshan.audit.models import AuditEvent
from qingshan.orgs.models import Organisation, User

from .choices import FOUR_WAYS, Disposal, Source, State
from .models import Clue, ReporterNotice, ReporterVault, VaultReveal

# The KPI conditions a list can be narrowed to (the figures on the KPI page link here).
KPI_CONDITIONS: dict[str, tuple[Q, str]] = {
    **{f"disposal_{d.value}": (Q(disposal=d.value), f"处置方式：{d.label}") for d in Disposal},
    "acceptance_on_time": (Q(acceptance_notified_on_time=True), "按期受理告知"),
    "acceptance_late": (Q(acceptance_notified_on_time=False), "逾期受理告知"),
    "acceptance_owed": (Q(is_real_name=True, acceptance_notice_due__isnull=False,
                          acceptance_notified_on__isnull=True), "待受理告知"),
    "result_on_time": (Q(result_notified_on_time=True), "按期结果告知"),
    "result_late": (Q(result_notified_on_time=False), "逾期结果告知"),
    "result_owed": (Q(is_real_name=True, result_notice_due__isnull=False, result_notified_on__isnull=True),
                    "待结果告知"),
    "from_problems": (Q(problem_transfer__isnull=False), "由工作闭环移送"),
    "down": (Q(transferred_from__isnull=False) | Q(state=State.DOWN_PENDING), "下转"),
    "up": (Q(state__in=(State.UP_PENDING, State.FORWARDED_UP)), "上交"),
}


def clue_list(*, user: User, params: Mapping[str, Any] | None = None) -> QuerySet[Clue]:
    """The clues `user` may see, narrowed by the list's filters (state, source, disposal, search, a KPI)."""
    params = params or {}
    clues = visible_clues(user).select_related("commission", "reported_unit", "assigned_org", "vault")
    if params.get("state") in State.values:
        clues = clues.filter(state=params["state"])
    if params.get("source") in Source.values:
        clues = clues.filter(source=params["source"])
    if params.get("kpi") in KPI_CONDITIONS:
        clues = clues.filter(KPI_CONDITIONS[params["kpi"]][0])
    q = (params.get("q") or "").strip()
    if q:
        clues = clues.filter(Q(number__icontains=q) | Q(intake_ref__icontains=q) | Q(reported_name__icontains=q))
    return clues.order_by("-received_on", "-id")


def clue_detail(*, user: User, pk: int | str) -> Clue:
    """One clue, if `user` may see it (else NotFound, as for a missing id), with its transfer from a problem and its
    vault's masked reference (the encrypted fields are not read)."""
    encrypted = tuple(f"vault__{field.name}" for field in ReporterVault._meta.concrete_fields
                      if field.name.endswith("_encrypted"))
    return access_clue(user, pk, related=("problem_transfer", "vault"), defer=encrypted)


def clue_timeline(*, clue: Clue) -> QuerySet[AuditEvent]:
    """The clue's events, oldest first (the clue page is only for the handling circle, who see them all)."""
    return AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=clue.pk).select_related(
        "actor").order_by("seq")


def reporter_reference(*, user: User, clue: Clue) -> dict | None:
    """The masked reference and whether `user` may reveal the vault; None when the clue has no reporter data."""
    try:
        vault = clue.vault  # loaded with the clue by clue_detail; one query otherwise
    except ReporterVault.DoesNotExist:
        return None
    return {"masked": vault.masked, "may_reveal": may_reveal_reporter(user, clue)}


def reveal_list(*, user: User) -> QuerySet[VaultReveal]:
    """借阅登记 for 案管: who opened which reporter's identity, when and why."""
    return visible_reveals(user).select_related("clue", "user", "organisation").order_by("-at", "-id")


def clue_kpis(*, user: User) -> dict:
    """The discipline loop's figures for `user`'s clues (domain §10), each with the list condition behind it."""
    clues = visible_clues(user)
    split = dict(clues.exclude(disposal="").values_list("disposal").annotate(n=Count("pk")).values_list(
        "disposal", "n"))
    figures = clues.aggregate(**{key: Count("pk", filter=cond) for key, (cond, _label) in KPI_CONDITIONS.items()
                                 if not key.startswith("disposal_")})
    total_four = sum(split.get(d.value, 0) for d in FOUR_WAYS)
    return {
        "split": [(d, split.get(d.value, 0), (100 * split.get(d.value, 0) / total_four) if total_four and d in FOUR_WAYS
                   else None) for d in Disposal],
        "figures": [(key, KPI_CONDITIONS[key][1], figures[key]) for key in figures],
    }


def quarter_results(*, user: User, year: int, quarter: int) -> list[dict]:
    """Each office's clues closed in the quarter, by outcome, and whether it has reported back to 信访室: for 信访
    and the leaders, every office of their commissions; for a team, its own offices (listed even with none closed).
    Counted through visible_clues only (a stored count would tell a blocked reader of a clue it may not see)."""
    from . import quarters
    from .choices import Outcome
    from .models import QuarterReport

    circle = circle_of(user)
    first, last = quarters.bounds(year, quarter)
    clues = visible_clues(user).filter(closed_on__range=(first, last), assigned_org__isnull=False)
    overseen = circle.xinfang | circle.leader
    scope = Q(commission_id__in=overseen) | Q(assigned_org_id__in=circle.team)
    counts = clues.filter(scope).values_list("assigned_org_id", "assigned_org__name", "outcome").annotate(
        n=Count("pk")).order_by()
    rows: dict[int, dict] = {}
    for org_id, name, outcome, n in counts:
        row = rows.setdefault(org_id, {"office_id": org_id, "office": name, "total": 0, "outcomes": {}})
        row["total"] += n
        label = Outcome(outcome).label if outcome in Outcome.values else "其他"
        row["outcomes"][label] = row["outcomes"].get(label, 0) + n
    reported = QuarterReport.objects.filter(year=year, quarter=quarter).filter(
        Q(office__parent_id__in=overseen) | Q(office_id__in=circle.team)).values("office_id")
    for org_id, name in Organisation.objects.filter(Q(pk__in=circle.team) | Q(pk__in=reported)).values_list(
            "pk", "name"):
        rows.setdefault(org_id, {"office_id": org_id, "office": name, "total": 0, "outcomes": {}})
    reports = {r.office_id: r for r in QuarterReport.objects.filter(
        office_id__in=rows, year=year, quarter=quarter).select_related("submitted_by")}
    for org_id, row in rows.items():
        row["report"] = reports.get(org_id)
        row["mine"] = org_id in circle.team
    return sorted(rows.values(), key=lambda r: r["office"])


def visible_notices(user: User) -> QuerySet[ReporterNotice]:
    """The notices to reporters (the SMS outbox) of the clues `user` may see: nobody blocked learns of one."""
    return ReporterNotice.objects.filter(clue__in=visible_clues(user).values("pk")).select_related("created_by")


def clue_notices(*, user: User, clue: Clue) -> list[ReporterNotice]:
    """A clue's notices, newest first, for its page (empty for anyone who may not see the clue)."""
    return list(visible_notices(user).filter(clue_id=clue.pk).order_by("-created_at", "-id"))
