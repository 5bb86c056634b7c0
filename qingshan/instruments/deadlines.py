"""The instruments' watched deadlines (domain §8): the recipient's written reply and the rectification it promised;
and the notices the services send (收到文书, 文书已回复)."""
from collections.abc import Collection, Mapping, Sequence

from django.urls import reverse

from qingshan.access.instruments import visible_instruments
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.choices import HEAD_ROLES, LEADER_ROLES, SUPERVISOR_ROLES, UNIT_ROLES
from qingshan.orgs.models import Membership

from .choices import AWAITING_REPLY, State
from .models import Instrument


def _members(org_ids: set[int], roles) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    rows = Membership.objects.filter(organisation_id__in=org_ids, role__in=roles, is_active=True,
                                     user__is_active=True).values_list("organisation_id", "user_id")
    for org_id, user_id in rows:
        result.setdefault(org_id, set()).add(user_id)
    return result


def recipient_users(items: Sequence[Instrument]) -> Mapping[int, Collection[int]]:
    """The recipient unit's handlers and head."""
    members = _members({i.recipient_id for i in items}, UNIT_ROLES)
    return {i.pk: members.get(i.recipient_id, set()) for i in items}


def drafter_heads(items: Sequence[Instrument]) -> Mapping[int, Collection[int]]:
    """The drafting body's staff and heads and the issuing commission's leaders (提级督办)."""
    members = _members({i.drafting_org_id for i in items} | {i.issuer_id for i in items},
                       SUPERVISOR_ROLES | HEAD_ROLES | LEADER_ROLES)
    return {i.pk: members.get(i.drafting_org_id, set()) | members.get(i.issuer_id, set()) for i in items}


def _title(instrument: Instrument) -> str:
    return f"{instrument.number} {instrument.title}"


def _url(instrument: Instrument) -> str:
    return reverse("instruments:detail", args=[instrument.pk])


def _nobody(items: Sequence) -> Mapping[int, Collection[int]]:
    return {}


def _notice(code: str, label: str) -> DeadlineKind:
    return DeadlineKind(code=code, label=label, watched=Instrument.objects.all, deadline_field="reply_deadline",
                        title=_title, url=_url, recipients=_nobody, escalation_recipients=_nobody,
                        visible=visible_instruments, notice=True, page="instruments:detail")


DEADLINE_KINDS = [
    DeadlineKind(
        code="instruments.reply", label="文书回复期限",
        watched=lambda: Instrument.objects.filter(state__in=AWAITING_REPLY),
        deadline_field="reply_deadline", title=_title, url=_url, recipients=recipient_users,
        escalation_recipients=drafter_heads, urge_count_field="urge_count", visible=visible_instruments,
        default_blue_days=2, default_escalate_after_days=3, default_escalate_after_urges=2, unit="recipient",
        page="instruments:detail",
    ),
    DeadlineKind(
        code="instruments.rectify", label="文书整改期限",
        watched=lambda: Instrument.objects.filter(state=State.ACCEPTED, rectify_deadline__isnull=False),
        deadline_field="rectify_deadline", title=_title, url=_url, recipients=recipient_users,
        escalation_recipients=drafter_heads, visible=visible_instruments, default_blue_days=5,
        default_escalate_after_days=5, unit="recipient", page="instruments:detail",
    ),
    _notice("instruments.issued", "收到文书"),
    _notice("instruments.replied", "文书已回复"),
]
