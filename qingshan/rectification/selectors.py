"""Reads of rectification campaigns and items, always scoped by `access.rectification`."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from qingshan.access.rectification import access_item, sees_internal, visible_items, visible_posts
from qingshan.access.supervision import visible_rectifications as visible_supervision_entries
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import NotFound
from qingshan.orgs.models import Region, User
from qingshan.supervision.models import Rectification as SupervisionEntry

from .choices import ACCEPTANCE_STATES, APPLICABLE_PROGRESS, OPEN_STATES, Action, State, WarningColour
from .models import Campaign, Item, Post, PostFile

LIST_RELATED = ("campaign", "lead_unit", "supervising_org")
LIST_FIELDS = ("id", "number", "title", "deadline", "state", "progress", "warning", "missed_milestones",
               "horizon", "rebound_count", "campaign__name", "lead_unit__name", "lead_unit__short_name",
               "supervising_org__name", "supervising_org__short_name", "campaign_id", "lead_unit_id",
               "supervising_org_id")
LIST_PAGE_FIELDS = tuple(f for f in LIST_FIELDS if not f.startswith("campaign"))


def _today() -> dt.date:
    return timezone.localdate()


def _as_of(params: Mapping[str, str]) -> dt.date:
    """The day the KPI conditions are judged on: `as_of` (an ISO date, as the overview links it) or today."""
    try:
        return dt.date.fromisoformat(params.get("as_of") or "")
    except ValueError:
        return _today()


# KPI conditions (domain §10): each figure links to the list it counts.
def kpi_conditions(today: dt.date) -> dict[str, tuple[Q, str]]:
    """key -> (condition over items, label)."""
    return {
        "all": (Q(), "整改事项"),
        "completed": (Q(progress__in=APPLICABLE_PROGRESS) | ~Q(state__in=OPEN_STATES), "已完成整改"),
        "accepted": (Q(state__in=[State.NOTICE, State.CLOSED]), "已通过验收"),
        "closed": (Q(state=State.CLOSED), "已销号"),
        "overdue": (Q(state__in=OPEN_STATES, deadline__lt=today), "超期未完成"),
        "rebound": (Q(rebound_count__gt=0), "出现反弹"),
        "red": (Q(state__in=OPEN_STATES, warning=WarningColour.RED), "红牌预警"),
        "yellow": (Q(state__in=OPEN_STATES, warning=WarningColour.YELLOW), "黄牌预警"),
        "acceptance": (Q(state__in=ACCEPTANCE_STATES), "验收中"),
    }


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    """The campaigns of which `user` may see at least one item, or that the user's commission runs."""
    from qingshan.access.actors import profile_of

    profile = profile_of(user)
    own = Q(commission__region__path__in=profile.jurisdiction_paths) if profile.jurisdiction_paths else Q(pk__in=[])
    return Campaign.objects.filter(own | Q(pk__in=visible_items(user).values("campaign_id"))).distinct()


def campaign_detail(*, user: User, pk: int) -> Campaign:
    try:
        return campaign_list(user=user).select_related("commission").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int


def campaign_kpis(*, user: User, campaign: Campaign | None = None) -> list[Figure]:
    """The rectification KPIs over the items `user` may see (one aggregate query), each linked by its key."""
    conditions = kpi_conditions(_today())
    items = visible_items(user)
    if campaign is not None:
        items = items.filter(campaign=campaign)
    counts = items.aggregate(**{key: Count("pk", filter=cond) for key, (cond, _label) in conditions.items()})
    return [Figure(key, label, counts[key] or 0) for key, (_cond, label) in conditions.items()]


def search_q(text: str) -> Q:
    """The keyword search over title and number. On PostgreSQL each side is served by a trigram index on the same
    expression (`UPPER(col::text) LIKE …`, migration 0002)."""
    return Q(title__icontains=text) | Q(number__icontains=text)


def item_list(*, user: User, params: Mapping[str, str] | None = None) -> QuerySet[Item]:
    """整改清单: the items `user` may see, filtered by campaign, state, colour, unit, KPI or a search text."""
    params = params or {}
    items = visible_items(user)
    if params.get("campaign", "").isdigit():
        items = items.filter(campaign_id=int(params["campaign"]))
    if params.get("state") in State.values:
        items = items.filter(state=params["state"])
    if params.get("warning") in WarningColour.values:
        items = items.filter(warning=params["warning"], state__in=OPEN_STATES)
    if params.get("lead_unit", "").isdigit():
        items = items.filter(lead_unit_id=int(params["lead_unit"]))
    if params.get("region", "").isdigit():
        region = Region.objects.filter(pk=int(params["region"])).only("path").first()
        items = items.filter(region_path__startswith=region.path) if region else items.none()
    kpi = kpi_conditions(_as_of(params)).get(params.get("kpi", ""))
    if kpi is not None:
        items = items.filter(kpi[0])
    text = (params.get("q") or "").strip()
    if text:
        items = items.filter(search_q(text))
    return items.select_related(*LIST_RELATED).order_by("deadline", "id")


def item_detail(*, user: User, pk: int | str) -> Item:
    """One item with its milestones, objections, conditions and re-checks (raises NotFound)."""
    item = access_item(user, pk)
    return Item.objects.select_related(
        "campaign", "region", "supervising_org", "lead_unit", "problem", "supervisor_signatory", "unit_signatory",
    ).prefetch_related("co_units", "milestones", "objections", "conditions", "rechecks").get(pk=item.pk)


def item_posts(*, user: User, item: Item) -> QuerySet[Post]:
    """The progress posts and diaries `user` may read (internal review comments only to the supervising side)."""
    return visible_posts(user, item).select_related("author", "author_org").prefetch_related(
        Prefetch("files", queryset=PostFile.objects.order_by("id")))


def item_timeline(*, user: User, item: Item) -> QuerySet[AuditEvent]:
    """The item's audit events as the user may read them: internal events only for the supervising side."""
    events = AuditEvent.objects.filter(object_type="rectification.item", object_id=item.pk).select_related(
        "actor", "actor_org").order_by("id")
    if not sees_internal(user):
        events = events.filter(internal=False)
    return events.exclude(action=Action.DOWNLOAD)


def raisable_supervision_entries(*, user: User) -> QuerySet:
    """The supervision findings (整改清单 entries of supervision reports) `user` may see that no campaign item was
    raised from yet, newest first: the choices of 由监督发现建立整改事项."""
    return visible_supervision_entries(user).filter(campaign_items__isnull=True).select_related(
        "responsible_unit", "slot__org").order_by("-id")


def supervision_entry(*, user: User, pk: int | str) -> SupervisionEntry:
    """One supervision finding `user` may see (raised already or not); NotFound otherwise."""
    try:
        return visible_supervision_entries(user).select_related("responsible_unit").get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


@dataclass(frozen=True)
class FindingRaise:
    """What a supervision report's page needs to offer 建立整改事项 beside its findings."""

    campaigns: list[Campaign]
    entry_ids: frozenset[int]


def finding_raise_choices(*, user: User, slot_id: int) -> FindingRaise | None:
    """For the page of one report slot: the campaigns `user` may raise an item in and the slot's findings that may
    still be raised; None when the user may not raise (the rule of the campaign page's form: the supervising side
    only), sees no campaign, or no finding of the slot is left to raise."""
    from qingshan.access.actors import profile_of

    if not profile_of(user).supervising:
        return None
    entry_ids = frozenset(raisable_supervision_entries(user=user).filter(slot_id=slot_id).values_list("pk", flat=True))
    if not entry_ids:
        return None
    campaigns = list(campaign_list(user=user).order_by("-year", "-id"))
    return FindingRaise(campaigns, entry_ids) if campaigns else None
