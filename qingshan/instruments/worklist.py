"""The instruments' queues of 我的待办 (contract in qingshan/core/worklist.py): a unit's instruments awaiting its
written reply; the issuing side's drafts to issue, replies to review and accepted ones to follow up."""
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.instruments import visible_instruments
from qingshan.core.worklist import WorkQueue

from .choices import AWAITING_REPLY, State

ROWS = "instruments/_worklist_rows.html"
ORDERING = (F("reply_deadline").asc(), "-id")


def _visible(user, shared: dict) -> QuerySet:
    if "instruments.visible" not in shared:
        shared["instruments.visible"] = visible_instruments(user).select_related("recipient", "issuer")
    return shared["instruments.visible"].all()


def _unit(condition):
    def items(user, shared):
        units = profile_of(user).unit_ids
        if not units:
            return None
        return _visible(user, shared).filter(recipient_id__in=units).filter(condition(timezone.localdate()))
    return items


def _issuing(condition):
    def items(user, shared):
        if not profile_of(user).supervising:
            return None
        return _visible(user, shared).filter(condition(timezone.localdate()))
    return items


def _drafted_by(user) -> Q:
    return Q(created_by_id=user.pk)


def _queue(key, label, order, items, own=None) -> WorkQueue:
    return WorkQueue(key=key, label=label, order=order, items=items, ordering=ORDERING, rows_template=ROWS, own=own)


QUEUES = [
    _queue("instruments_to_reply", "文书待回复", 710, _unit(lambda today: Q(state__in=AWAITING_REPLY))),
    _queue("instruments_drafts", "文书待签发", 720, _issuing(lambda today: Q(state=State.DRAFT)), _drafted_by),
    _queue("instruments_to_review", "文书回复待审核", 730, _issuing(lambda today: Q(state=State.REPLIED)),
           _drafted_by),
    _queue("instruments_overdue", "文书逾期未回复", 740,
           _issuing(lambda today: Q(state__in=AWAITING_REPLY, reply_deadline__lt=today)), _drafted_by),
    _queue("instruments_follow_up", "文书整改跟踪", 750, _issuing(lambda today: Q(state=State.ACCEPTED)),
           _drafted_by),
]
