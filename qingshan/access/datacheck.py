"""Who may see and act on data-comparison models, their runs and hits (domain §9).

Models belong to a commission's jurisdiction (through their owner organisation). Supervisors of that commission
(its offices: the data officers) and its leaders and read-only leaders see them; units and partners see none.
Acting (editing, running, triage) needs a supervisor role there. Once a hit is a problem, the problem follows the
problems' own visibility. A model reading a data set the user may not see (another commission's, unshared or no
longer shared) is hidden with its runs and hits: their evidence rows are that data set's rows.
"""
from typing import Any

from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.datacheck.models import CheckModel, Hit, Run
from qingshan.orgs.models import Organisation, User, commission_of

from .actors import profile_of
from .datasets import visible_datasets


def _paths_q(user: User, prefix: str) -> Q:
    scope = Q(pk__in=[])
    for path in profile_of(user).jurisdiction_paths:
        scope |= Q(**{f"{prefix}owner_org__region__path__startswith": path})
    if not profile_of(user).jurisdiction_paths:
        return scope
    unreadable = CheckModel.datasets.through.objects.exclude(
        dataset_id__in=visible_datasets(user).values("pk")).values("checkmodel_id")
    return scope & ~Q(**{f"{prefix}pk__in": unreadable})


def may_see_datacheck(user: User) -> bool:
    """Whether the 数据比对 pages open for `user` at all: the supervising side (the menu shows them the entry);
    units, partners and people without a role get "not found". Which models they list is `visible_models`."""
    return profile_of(user).sees_internal


def visible_models(user: User) -> QuerySet[CheckModel]:
    """The models `user` may see."""
    return CheckModel.objects.filter(_paths_q(user, ""))


def visible_runs(user: User) -> QuerySet[Run]:
    """The runs of the models `user` may see."""
    return Run.objects.filter(_paths_q(user, "model__"))


def visible_hits(user: User) -> QuerySet[Hit]:
    """The hits of the models `user` may see."""
    return Hit.objects.filter(_paths_q(user, "model__"))


def _get(queryset: QuerySet, pk: int | str, *related: str) -> Any:
    try:
        return queryset.select_related(*related).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def access_model(user: User, pk: int | str) -> CheckModel:
    """The model `pk` if `user` may see it, else NotFound."""
    return _get(visible_models(user), pk, "owner", "owner_org__region", "problem_category")


def access_run(user: User, pk: int | str) -> Run:
    """The run `pk` if `user` may see it, else NotFound."""
    return _get(visible_runs(user), pk, "model", "version", "started_by")


def access_hit(user: User, pk: int | str) -> Hit:
    """The hit `pk` if `user` may see it, else NotFound."""
    return _get(visible_hits(user), pk, "model__owner_org__region", "first_run", "last_run", "problem", "region",
                "decided_by", "previous")


def acting_org(user: User, model: CheckModel | None = None) -> Organisation | None:
    """The organisation `user` acts for on `model` (any model when None): a supervisor role in a commission or one
    of its offices whose region covers the model's owner. None means the user may only look, or not even that."""
    for org in profile_of(user).supervising:
        commission = commission_of(org)
        if commission is None:
            continue
        if model is None or model.owner_org.region.path.startswith(commission.region.path):
            return org
    return None
