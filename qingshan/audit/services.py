"""record_event(): the only way to write the audit log. Call it inside the transaction of the change it records."""
import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from qingshan.core.middleware import current_request_id

from .chain import GENESIS, event_digest
from .models import AuditChainHead, AuditEvent

_PG_LOCK_KEY = 72_011_301  # arbitrary, fixed: the advisory lock that serialises appends to the chain


@dataclass(frozen=True)
class EventSpec:
    """One event to append (used by bulk writers such as the demo generator)."""

    object_type: str
    object_id: int
    action: str
    actor: object = None
    actor_org: object = None
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    payload: dict | None = None
    internal: bool = False
    created_at: dt.datetime | None = None


def _lock_chain() -> AuditChainHead:
    """Serialise appenders: one chain, one writer at a time, until the surrounding transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    return head or AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS)


def record_events(specs: list[EventSpec]) -> list[AuditEvent]:
    """Append several events to the chain in order, in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    head = _lock_chain()
    request_id = current_request_id.get()
    prev_hash, seq, events = head.hash, head.seq, []
    for spec in specs:
        created_at = (spec.created_at or timezone.now()).astimezone(dt.UTC)
        seq += 1
        actor_id = spec.actor.pk if spec.actor is not None else None
        actor_org_id = spec.actor_org.pk if spec.actor_org is not None else None
        payload = spec.payload or {}
        digest = event_digest(
            prev_hash=prev_hash, created_at=created_at.isoformat(timespec="microseconds"), actor_id=actor_id,
            actor_org_id=actor_org_id, object_type=spec.object_type, object_id=spec.object_id, action=spec.action,
            from_state=spec.from_state, to_state=spec.to_state, reason=spec.reason, payload=payload,
            internal=spec.internal, request_id=request_id,
        )
        events.append(AuditEvent(
            seq=seq, created_at=created_at, actor_id=actor_id, actor_org_id=actor_org_id,
            actor_name=str(spec.actor) if spec.actor is not None else "系统",
            object_type=spec.object_type, object_id=spec.object_id, action=spec.action,
            from_state=spec.from_state, to_state=spec.to_state, reason=spec.reason, payload=payload,
            internal=spec.internal, request_id=request_id, prev_hash=prev_hash, hash=digest,
        ))
        prev_hash = digest
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return events


def record_event(*, object_type: str, object_id: int, action: str, actor=None, actor_org=None, from_state: str = "",
                 to_state: str = "", reason: str = "", payload: dict | None = None,
                 internal: bool = False) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    return record_events([EventSpec(
        object_type=object_type, object_id=object_id, action=action, actor=actor, actor_org=actor_org,
        from_state=from_state, to_state=to_state, reason=reason, payload=payload, internal=internal,
    )])[0]
