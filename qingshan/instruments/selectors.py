"""Reads of instruments and accountability records, always through the access module's scoped querysets."""
from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from qingshan.access.clues import visible_clues
from qingshan.access.instruments import (
    access_accountability,
    access_instrument,
    may_see_internal,
    visible_accountability,
    visible_exposure_batches,
    visible_instruments,
    visible_internal_notes,
)
from qingshan.access.rectification import visible_items
from qingshan.audit.models import AuditEvent
from qingshan.orgs.models import Region, User

from . import kpis
from .choices import Form, Kind, State
from .models import AccountabilityRecord, DocumentBatch, ExposureBatch, Instrument, InternalNote

LIST_RELATED = ("issuer", "recipient", "drafting_org")


def _region_path(params: Mapping[str, Any]) -> str:
    """The path of the `region` parameter (a region id, as the overview links it); "" when absent, a path nothing
    has when unknown (an unknown region lists nothing rather than everything)."""
    raw = str(params.get("region") or "")
    if not raw:
        return ""
    region = Region.objects.filter(pk=int(raw)).only("path").first() if raw.isdigit() else None
    return region.path if region else "/unknown-region/"


def instrument_list(*, user: User, params: Mapping[str, Any] | None = None) -> QuerySet[Instrument]:
    """The instruments `user` may see, filtered by type, state, recipient, a figure (kpi) or a search term."""
    params = params or {}
    queryset = visible_instruments(user).select_related(*LIST_RELATED)
    if (kind := params.get("kind")) in Kind.values:
        queryset = queryset.filter(kind=kind)
    if (state := params.get("state")) in State.values:
        queryset = queryset.filter(state=state)
    if str(params.get("recipient") or "").isdigit():
        queryset = queryset.filter(recipient_id=int(params["recipient"]))
    if path := _region_path(params):
        queryset = queryset.filter(recipient__region__path__startswith=path)
    if (kpi := params.get("kpi")) in kpis.CONDITIONS:
        queryset = queryset.filter(kpis.CONDITIONS[kpi][0])
    if term := str(params.get("q") or "").strip():
        queryset = queryset.filter(Q(number__icontains=term) | Q(title__icontains=term))
    return queryset.order_by("-created_at", "-id")


def instrument_detail(*, user: User, pk: int | str) -> Instrument:
    """One instrument with what its page shows (NotFound when `user` may not see it)."""
    return access_instrument(user, pk)


def instrument_notes(*, user: User, instrument: Instrument) -> QuerySet[InternalNote]:
    """Internal notes: empty for a unit."""
    return visible_internal_notes(user, instrument)


def instrument_timeline(*, user: User, instrument: Instrument) -> QuerySet[AuditEvent]:
    """The instrument's audit events; internal ones only for the supervising side."""
    events = AuditEvent.objects.filter(object_type="instruments.instrument", object_id=instrument.pk)
    if not may_see_internal(user):
        events = events.filter(internal=False)
    return events.select_related("actor", "actor_org").order_by("pk")


def batch_list(*, user: User) -> QuerySet[DocumentBatch]:
    """The generation jobs `user` asked for."""
    return DocumentBatch.objects.filter(requested_by_id=user.pk)


def accountability_list(*, user: User, params: Mapping[str, Any] | None = None) -> QuerySet[AccountabilityRecord]:
    """The accountability records `user` may see, filtered by form or exposure batch."""
    params = params or {}
    queryset = visible_accountability(user).select_related("org", "exposure_batch")
    if (form := params.get("form")) in Form.values:
        queryset = queryset.filter(form=form)
    if str(params.get("batch") or "").isdigit():
        queryset = queryset.filter(exposure_batch_id=int(params["batch"]))
    if params.get("exposed") == "1":
        queryset = queryset.filter(exposure_batch__isnull=False)
    if path := _region_path(params):
        queryset = queryset.filter(region_path__startswith=path)
    return queryset.prefetch_related("persons", "organisations").order_by("-decided_on", "-id")


def accountability_detail(*, user: User, pk: int | str) -> AccountabilityRecord:
    return access_accountability(user, pk)


def accountability_links(*, user: User, record: AccountabilityRecord) -> dict[str, QuerySet]:
    """The rectification items and clues behind a record, each narrowed to what `user` may see now: a clue the user
    is blocked from is left out without a trace (no count, no placeholder)."""
    return {
        "rectification_items": visible_items(user).filter(pk__in=record.rectification_items.values("pk"))
        .only("pk", "number", "title").order_by("number"),
        "clues": visible_clues(user).filter(pk__in=record.clues.values("pk")).only("pk", "number", "summary")
        .order_by("number"),
    }


def accountability_for_item(*, user: User, item_id: int) -> QuerySet[AccountabilityRecord]:
    """The accountability records behind one rectification item that `user` may see (none for a unit)."""
    return visible_accountability(user).filter(rectification_items=item_id).prefetch_related("persons") \
        .order_by("-decided_on", "-id")


def accountability_for_problem(*, user: User, problem_id: int) -> QuerySet[AccountabilityRecord]:
    """The accountability records behind one problem that `user` may see (none for a unit)."""
    return visible_accountability(user).filter(problems=problem_id).prefetch_related("persons") \
        .order_by("-decided_on", "-id")


def exposure_batches(*, user: User) -> QuerySet[ExposureBatch]:
    return visible_exposure_batches(user).select_related("org")
