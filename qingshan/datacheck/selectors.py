"""Every read of 数据比对模型 a user can see. Each selector starts from the access-scoped queryset."""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
