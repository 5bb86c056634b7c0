"""Who may see and act on instruments (文书) and accountability records (问责), domain §2 and §7.

- The supervising side sees the instruments of its jurisdiction (a commission's region subtree) and a stationed
  group those it drafted or that are addressed to the units it sits in; drafts never leave the supervising side.
- A unit sees only the instruments issued to it (never a draft, never another unit's) and never an internal note.
- Accountability records are the supervising side's only: a commission's jurisdiction, a group's own records.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.instruments.models import (
    AccountabilityRecord,
    DocumentBatch,
    ExposureBatch,
    GeneratedDocument,
    Instrument,
    InstrumentFile,
    InternalNote,
)
from qingshan.orgs.models import Organisation, User, commission_of

from .actors import profile_of


def instrument_scope_q(user: User) -> Q:
    """A Q selecting exactly the instruments `user` may see; nothing for an unknown or inactive user."""
    profile = profile_of(user)
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    if profile.group_ids:
        scope |= Q(drafting_org_id__in=profile.group_ids)
        scope |= Q(recipient_id__in=profile.group_unit_ids, issued_at__isnull=False)
    if profile.unit_ids:
        scope |= Q(recipient_id__in=profile.unit_ids, issued_at__isnull=False)
    return scope


def visible_instruments(user: User) -> QuerySet[Instrument]:
    """All instruments `user` may see."""
    return Instrument.objects.filter(instrument_scope_q(user))


def access_instrument(user: User, pk: int | str) -> Instrument:
    """The instrument `pk` if `user` may see it; otherwise NotFound (the same answer as for a missing id)."""
    try:
        return visible_instruments(user).select_related(
            "issuer", "drafting_org", "recipient", "created_by", "issued_by").get(pk=pk)
    except (Instrument.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class InstrumentCapacity:
    """In what capacity a user may act on one instrument."""

    issuer_org: Organisation | None = None  # the supervising organisation the user acts for
    recipient: Organisation | None = None  # the user's unit, when the instrument was issued to it


def supervising_org_over(user: User, instrument: Instrument) -> Organisation | None:
    """The organisation in whose name `user` may act for the issuing side of `instrument`, or None."""
    for org in profile_of(user).supervising:
        commission = commission_of(org)
        if commission is not None and instrument.region_path.startswith(commission.region.path):
            return org
        if org.pk == instrument.drafting_org_id:
            return org
    return None


def instrument_capacity(user: User, instrument: Instrument) -> InstrumentCapacity:
    """The capacity in which `user` may act on `instrument` (empty when the user may only look, or not even that)."""
    profile = profile_of(user)
    recipient = None
    if instrument.recipient_id in profile.unit_ids and instrument.issued_at is not None:
        recipient = instrument.recipient
    return InstrumentCapacity(issuer_org=supervising_org_over(user, instrument), recipient=recipient)


def may_see_internal(user: User) -> bool:
    """Internal notes are for the supervising side only, never for a unit or a partner."""
    return profile_of(user).sees_internal


def visible_internal_notes(user: User, instrument: Instrument) -> QuerySet[InternalNote]:
    """The internal notes of `instrument` for `user`: none at all unless `user` is on the supervising side."""
    if not may_see_internal(user):
        return InternalNote.objects.none()
    return instrument.internal_notes.select_related("author")


def access_instrument_file(user: User, pk: int | str) -> InstrumentFile:
    """A reply or follow-up file whose instrument `user` may see; otherwise NotFound."""
    try:
        stored = InstrumentFile.objects.get(pk=pk)
    except (InstrumentFile.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if not visible_instruments(user).filter(pk=stored.instrument_id).exists():
        raise NotFound
    return stored


def access_document(user: User, pk: int | str) -> GeneratedDocument:
    """A generated Word file whose instrument `user` may see (a recipient only once it was issued); else NotFound."""
    try:
        document = GeneratedDocument.objects.get(pk=pk)
    except (GeneratedDocument.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if not visible_instruments(user).filter(pk=document.instrument_id).exists():
        raise NotFound
    return document


def access_batch(user: User, pk: int | str) -> DocumentBatch:
    """A generation job, for the person who asked for it only."""
    try:
        return DocumentBatch.objects.get(pk=pk, requested_by_id=user.pk)
    except (DocumentBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


# ---------------------------------------------------------------- accountability


def accountability_scope_q(user: User) -> Q:
    """A Q selecting the accountability records `user` may see: the supervising side's own only."""
    profile = profile_of(user)
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    if profile.group_ids:
        scope |= Q(org_id__in=profile.group_ids)
    return scope


def visible_accountability(user: User) -> QuerySet[AccountabilityRecord]:
    """All accountability records `user` may see."""
    return AccountabilityRecord.objects.filter(accountability_scope_q(user))


def visible_exposure_batches(user: User) -> QuerySet[ExposureBatch]:
    """The exposure batches `user` may see (the same rule as their records)."""
    profile = profile_of(user)
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    if profile.group_ids:
        scope |= Q(org_id__in=profile.group_ids)
    return ExposureBatch.objects.filter(scope)


def access_accountability(user: User, pk: int | str) -> AccountabilityRecord:
    """The record `pk` if `user` may see it; otherwise NotFound."""
    try:
        return visible_accountability(user).select_related("org", "exposure_batch", "created_by").get(pk=pk)
    except (AccountabilityRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
