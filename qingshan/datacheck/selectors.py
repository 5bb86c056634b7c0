"""Every read of 数据比对模型 a user can see. Each selector starts from the access-scoped queryset."""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from qingshan.access.datacheck import access_hit, access_model, access_run, visible_hits, visible_models, visible_runs
from qingshan.access.problems import visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core.params import without_blanks
from qingshan.orgs.models import User

from .catalogue import catalogue_models
from .catalogue.explain import Explanation, explanation_for
from .choices import HitState, Origin
from .filters import HitFilter
from .models import CheckModel, CheckModelVersion, Hit, Run
from .prose import HitSubject, hit_subject, model_vocabulary

if TYPE_CHECKING:
    from qingshan.problems.models import Problem

HIT_LIST_RELATED = ("model", "problem", "region", "last_run")


def checkmodel_list(*, user: User) -> QuerySet[CheckModel]:
    """The models `user` may see, each with its open hits, all hits and its last real run."""
    last = Run.objects.filter(model=OuterRef("pk"), dry_run=False).order_by("-started_at", "-id")
    return visible_models(user).select_related("owner", "owner_org").annotate(
        open_hits=Count("hits", filter=Q(hits__state__in=[HitState.NEW, HitState.VERIFYING])),
        all_hits=Count("hits"),
        converted_hits=Count("hits", filter=Q(hits__state=HitState.CONVERTED)),
        last_run_id=Subquery(last.values("pk")[:1]),
        last_run_at=Subquery(last.values("started_at")[:1]),
        last_run_status=Subquery(last.values("status")[:1]),
    ).order_by("code")


def checkmodel_detail(*, user: User, pk: int | str) -> CheckModel:
    """One model, or NotFound."""
    return access_model(user, pk)


@dataclass(frozen=True)
class ModelExplanation:
    """A catalogue model's shipped explanation, and whether the model's spec has since been edited away from it."""

    explanation: Explanation
    edited: bool


def checkmodel_explanation(*, model: CheckModel) -> ModelExplanation | None:
    """The explanation shipped with the catalogue model `model` came from (its code is the catalogue's), if any."""
    if model.origin != Origin.CATALOGUE:
        return None
    explanation = explanation_for(model.code)
    if explanation is None:
        return None
    shipped = {m.code: m.spec_text for m in catalogue_models()}.get(model.code)
    return ModelExplanation(explanation, edited=shipped is None or not same_text(shipped, model.spec_text))


def same_text(a: str, b: str) -> bool:
    """Two spec texts alike but for line endings (a browser posts CRLF) and surrounding blank space."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def checkmodel_versions(*, model: CheckModel) -> QuerySet[CheckModelVersion]:
    """Every saved spec of a model, newest first."""
    return model.versions.select_related("created_by").order_by("-number")


def checkmodel_runs(*, user: User, model: CheckModel) -> QuerySet[Run]:
    """The model's runs, newest first."""
    return visible_runs(user).filter(model=model).select_related("version", "started_by").defer("preview")


def run_detail(*, user: User, pk: int | str) -> Run:
    """One run, or NotFound."""
    return access_run(user, pk)


def hit_list(*, user: User, params: Mapping[str, Any] | None = None) -> tuple[QuerySet[Hit], HitFilter]:
    """The hits `user` may see, filtered by `params` (queue, model, state, keyword, KPI); queryset and filter."""
    # A hit's problem may be restricted to named people: its number and link only for those who may see it.
    base = visible_hits(user).select_related(*HIT_LIST_RELATED).defer("evidence", "last_run__preview").annotate(
        problem_visible=Exists(visible_problems(user).filter(pk=OuterRef("problem_id"))))
    filterset = HitFilter(without_blanks(params), queryset=base, models=visible_models(user))
    queryset = filterset.qs if filterset.is_valid() else base.none()
    return queryset.order_by("-last_seen_at", "-id"), filterset


def hit_detail(*, user: User, pk: int | str) -> Hit:
    """One hit with its evidence, or NotFound; `problem_visible` says whether `user` may see its problem."""
    hit = access_hit(user, pk)
    hit.problem_visible = hit.problem_id is not None and visible_problems(user).filter(pk=hit.problem_id).exists()  # type: ignore[attr-defined]
    return hit


def hit_history(*, hit: Hit) -> QuerySet[AuditEvent]:
    """The decisions taken on a hit, oldest first."""
    return AuditEvent.objects.filter(object_type="datacheck.hit", object_id=hit.pk).order_by("seq")


@dataclass
class HitEvidence:
    """What the hit page shows of a hit's rows: (key, heading) pairs, formatted rows, the subject in words."""

    columns: list[tuple[str, str]]
    rows: list[list[str]]
    subject: HitSubject


@dataclass
class Kpis:
    """Model KPIs (domain §10): hits, the share turned into problems, the share confirmed among those judged."""

    hits: int
    converted: int
    decided: int
    open: int

    @property
    def converted_share(self) -> float | None:
        """Percent of hits turned into problems."""
        return round(100 * self.converted / self.hits, 1) if self.hits else None

    @property
    def confirmed_share(self) -> float | None:
        """Percent of judged hits (turned into problems or dismissed) that were confirmed."""
        return round(100 * self.converted / self.decided, 1) if self.decided else None


def datacheck_kpis(*, user: User, model: CheckModel | None = None) -> Kpis:
    """The KPIs over the hits `user` may see (of one model when given), in one query."""
    hits = visible_hits(user)
    if model is not None:
        hits = hits.filter(model=model)
    figures = hits.aggregate(
        hits=Count("pk"),
        converted=Count("pk", filter=Q(state=HitState.CONVERTED)),
        decided=Count("pk", filter=Q(state__in=[HitState.CONVERTED, HitState.DISMISSED])),
        open=Count("pk", filter=Q(state__in=[HitState.NEW, HitState.VERIFYING])),
    )
    return Kpis(**figures)


def hit_evidence(*, hit: Hit) -> HitEvidence:
    """A hit's evidence table (Chinese headings, formatted values) and its subject's name and region, in words."""
    vocabulary = model_vocabulary(hit.model)
    columns, rows = vocabulary.table(getattr(hit, "shown_evidence", hit.evidence) or [])  # masked when asked
    return HitEvidence(columns=columns, rows=rows, subject=hit_subject(hit, vocabulary))


def hit_evidence_seals(*, hit: Hit) -> dict:
    """Whether the evidence of a confirmed hit is still what was imported: its kept seals re-hashed now.
    {"kept": bool, "ok": bool, "seals": [{seal, ok, problem}], "failed": [...]} (kept False before confirmation)."""
    from qingshan.datasets.selectors import seals_verified

    seals = list(hit.evidence_seals.select_related("dataset", "batch").order_by("dataset__code", "sequence"))
    checked = seals_verified(seals=seals) if seals else []
    failed = [c for c in checked if not c["ok"]]
    return {"kept": bool(seals), "ok": bool(seals) and not failed, "seals": checked, "failed": failed}


def problem_evidence_seals(*, user: User, problem: "Problem") -> dict | None:
    """The evidence seals of the hit a problem was made from (hit_evidence_seals), for those who may see data sets;
    None for any other problem or user."""
    from qingshan.access.datasets import may_view_datasets

    # Only problems registered from a model hit (source 数据比对模型, code "model") can have one: no query for others.
    if getattr(problem.source, "code", "") != "model" or not may_view_datasets(user):
        return None
    hit = Hit.objects.filter(problem=problem, state=HitState.CONVERTED).first()
    return hit_evidence_seals(hit=hit) if hit is not None else None


WASTE_MODELS = ("waste_manifest_not_received", "waste_mass_balance", "waste_receiver_unlicensed",
                "waste_vehicle_not_at_receiver")
# The same tolerance as the waste_mass_balance model: a gap beyond 5 % of its base and beyond 0.1 t.
WASTE_TOLERANCE, WASTE_MIN_GAP = 0.05, 0.1


def waste_dossier(*, user: User, producer_code: str) -> dict:
    """A producing unit's solid-waste chain month by month (issue 16): its ledger and manifests from the
    waste_generation and waste_manifests data sets (NotFound unless `user` sees both, or the unit is unknown),
    the model hits on them `user` may see, and whether the batches they come from still verify."""
    from qingshan.core.errors import NotFound
    from qingshan.datasets.selectors import dataset_detail, duckdb_connect, live_seals, seals_verified

    manifests_set = dataset_detail(user=user, code="waste_manifests")
    ledger_set = dataset_detail(user=user, code="waste_generation")
    with duckdb_connect(read_only=True) as con:
        ledger = con.execute(
            "SELECT period, sum(stock_start_t), sum(produced_t), sum(stock_end_t), max(producer) "
            "FROM ds_waste_generation WHERE producer_code = ? GROUP BY period ORDER BY period",
            [producer_code]).fetchall()
        manifests = con.execute(
            "SELECT manifest_no, year(shipped_at) * 100 + month(shipped_at), waste_category, waste_code, receiver, "
            "plate, shipped_at, shipped_weight_t, received_at, received_weight_t, disposed_at, disposed_weight_t, "
            "producer FROM ds_waste_manifests WHERE producer_code = ? ORDER BY shipped_at, manifest_no",
            [producer_code]).fetchall()
    if not ledger and not manifests:
        raise NotFound
    name = (ledger[0][4] if ledger else manifests[0][12]) or producer_code
    months: dict[int, dict] = {}
    for period, start, produced, end, _name in ledger:
        months[period] = {"period": period, "stock_start": start, "produced": produced, "stock_end": end,
                          "transferred": 0, "received": 0, "disposed": 0, "sent_received": 0, "received_disposed": 0,
                          "manifests": []}
    for row in manifests:
        month = months.setdefault(row[1], {"period": row[1], "stock_start": None, "produced": None,
                                           "stock_end": None, "transferred": 0, "received": 0, "disposed": 0,
                                           "sent_received": 0, "received_disposed": 0, "manifests": []})
        shipped, received, disposed = row[7] or 0, row[9], row[11]
        month["transferred"] += shipped
        if received is not None:
            month["received"] += received
            month["sent_received"] += shipped
            if disposed is not None:
                month["disposed"] += disposed
                month["received_disposed"] += received
        month["manifests"].append(dict(zip(("manifest_no", "period", "category", "code", "receiver", "plate",
                                            "shipped_at", "shipped_t", "received_at", "received_t", "disposed_at",
                                            "disposed_t"), row[:12], strict=True)))

    def beyond(gap: Any, base: Any) -> bool:
        return abs(float(gap)) > WASTE_MIN_GAP and abs(float(gap)) > WASTE_TOLERANCE * float(base or 0)

    for month in months.values():
        if month["produced"] is not None:
            month["ledger_gap"] = month["stock_start"] + month["produced"] - month["transferred"] - month["stock_end"]
            month["ledger_beyond"] = beyond(month["ledger_gap"], max(month["produced"], month["transferred"]))
        month["transport_gap"] = month["sent_received"] - month["received"]
        month["transport_beyond"] = beyond(month["transport_gap"], month["sent_received"])
        month["disposal_gap"] = month["received_disposed"] - month["disposed"]
        month["disposal_beyond"] = beyond(month["disposal_gap"], month["received_disposed"])
    keys = [m[0] for m in manifests] + [f"{producer_code}|{p}" for p in months]
    hits: dict[str, list[Hit]] = {}
    for hit in visible_hits(user).filter(model__code__in=WASTE_MODELS, subject_key__in=keys).select_related(
            "model").order_by("model__code"):
        hits.setdefault(hit.subject_key, []).append(hit)
    for month in months.values():
        month["hits"] = hits.get(f"{producer_code}|{month['period']}", [])
        for manifest in month["manifests"]:
            manifest["hits"] = hits.get(manifest["manifest_no"], [])
    checked = seals_verified(seals=live_seals(datasets=[manifests_set, ledger_set]))
    failed = [c for c in checked if not c["ok"]]
    return {"code": producer_code, "name": name, "months": [months[p] for p in sorted(months)],
            "evidence_seals": {"kept": bool(checked), "ok": bool(checked) and not failed, "seals": checked,
                               "failed": failed}}


def waste_producer_of(hit: Hit) -> str:
    """The producing unit a solid-waste model's hit is about (its dossier's key), or '' for any other hit."""
    if hit.model.code == "waste_mass_balance":
        return hit.subject_key.split("|", 1)[0]
    if hit.model.code in WASTE_MODELS and hit.evidence:
        return str(hit.evidence[0].get("producer_code") or "")
    return ""
