"""Who may see and act on rectification items, their posts and files (domain §2, §6).

A commission sees the items in its jurisdiction; a stationed group those it supervises or whose lead unit it sits
in; a unit those it leads or helps with. A unit never sees internal review comments; a partner sees none.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from qingshan.core.errors import NotFound
from qingshan.orgs.choices import HEAD_ROLES, LEADER_ROLES, Role
from qingshan.orgs.models import Organisation, User, commission_of
from qingshan.rectification.choices import PostKind
from qingshan.rectification.models import Item, Post, PostFile

from .actors import profile_of


def item_scope_q(user: User) -> Q:
    """A Q selecting exactly the items `user` may see; nothing for an unknown or inactive user."""
    profile = profile_of(user)
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    # Everything addressed to groups and units is one uncorrelated `id IN (… UNION …)`: an OR of a column test and
    # a subquery made PostgreSQL read every item (a sequential scan at 100,000 items) instead of two index ranges.
    parts: list[QuerySet] = []
    on_item = Q(pk__in=[])
    if profile.group_ids:
        on_item |= Q(supervising_org_id__in=profile.group_ids)
    if profile.group_unit_ids | profile.unit_ids:
        on_item |= Q(lead_unit_id__in=profile.group_unit_ids | profile.unit_ids)
    if profile.group_ids or profile.group_unit_ids or profile.unit_ids:
        parts.append(Item.objects.filter(on_item).values("pk").order_by())
    if profile.unit_ids:
        parts.append(Item.co_units.through.objects.filter(organisation_id__in=profile.unit_ids)
                     .values("item_id").order_by())
    if parts:
        scope |= Q(pk__in=parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])
    return scope


def visible_items(user: User) -> QuerySet[Item]:
    """All rectification items `user` may see."""
    return Item.objects.filter(item_scope_q(user))


def access_item(user: User, pk: int | str) -> Item:
    """The item `pk` if `user` may see it; otherwise NotFound (the same answer as for a missing id)."""
    try:
        return visible_items(user).select_related(
            "campaign", "region", "supervising_org", "lead_unit", "problem", "supervision_entry",
            "supervisor_signatory", "unit_signatory").get(pk=pk)
    except (Item.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def sees_internal(user: User) -> bool:
    """Internal review comments are for the supervising side only, never for a unit."""
    return profile_of(user).sees_internal


def visible_posts(user: User, item: Item) -> QuerySet[Post]:
    """The posts of a visible item that `user` may read: a unit never gets internal review comments."""
    posts = Post.objects.filter(item=item)
    if not sees_internal(user):
        posts = posts.exclude(kind=PostKind.REVIEW)
    return posts


def access_post_file(user: User, pk: int | str) -> PostFile:
    """A file of a post the user may read (its item visible, its post not internal to them); else NotFound."""
    try:
        found = PostFile.objects.select_related("post").get(pk=pk)
    except (PostFile.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    if not visible_items(user).filter(pk=found.post.item_id).exists():
        raise NotFound
    if found.post.kind == PostKind.REVIEW and not sees_internal(user):
        raise NotFound
    return found


@dataclass(frozen=True)
class Capacity:
    """In what capacity a user may act on one item, and in whose name."""

    supervisor_org: Organisation | None = None
    lead_unit: Organisation | None = None
    co_unit: Organisation | None = None

    @property
    def acting_org(self) -> Organisation | None:
        return self.supervisor_org or self.lead_unit or self.co_unit


def capacity_for(user: User, item: Item) -> Capacity:
    """The capacity in which `user` may act on `item` (empty when the user may only look, or not even that)."""
    profile = profile_of(user)
    supervisor_org = None
    for org in profile.supervising:
        commission = commission_of(org)
        if commission is not None and item.region_path.startswith(commission.region.path):
            supervisor_org = org
            break
        if org.kind == "stationed_group" and (
            item.supervising_org_id == org.pk or any(u.pk == item.lead_unit_id for u in org.supervised_units.all())
        ):
            supervisor_org = org
            break
    lead = item.lead_unit if item.lead_unit_id in profile.unit_ids else None
    co = None
    if lead is None and profile.unit_ids:
        co = Organisation.objects.filter(pk__in=profile.unit_ids, co_rectification_items=item).first()
    return Capacity(supervisor_org=supervisor_org, lead_unit=lead, co_unit=co)


def holds_supervisor_signing_office(user: User, item: Item) -> bool:
    """Whether `user` holds now the office that signs for the supervising side: the head of the supervising
    organisation (组长, 主任, 区县纪委监委负责人) or a leader of its commission."""
    profile = profile_of(user)
    org = item.supervising_org
    commission = commission_of(org, through_stationed_group=True)
    for m in profile.memberships:
        if m.organisation_id == org.pk and m.role in HEAD_ROLES:
            return True
        if commission is not None and m.organisation_id == commission.pk and m.role in LEADER_ROLES:
            return True
    return False


def holds_unit_signing_office(user: User, item: Item) -> bool:
    """Whether `user` holds now the office that signs for the unit: the lead unit's party secretary (党组书记), as
    the dual sign-off asks; its 负责人 or a handler does not."""
    return any(m.organisation_id == item.lead_unit_id and m.role == Role.UNIT_PARTY_SECRETARY
               for m in profile_of(user).memberships)
