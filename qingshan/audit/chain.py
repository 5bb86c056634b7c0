"""How an event's hash is computed. Kept apart so that writing and verifying cannot drift."""
import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # the hash needs no model at run time
    from .models import AuditEvent

GENESIS = "0" * 64
# Version 1 left out the names the timeline shows (actor_name); version 2 covers every stored field a page or an
# export shows. Events keep the version they were written with: old ones verify the old way, none is re-signed.
MAC_VERSION = 2


def mac(body: str) -> str:
    """HMAC-SHA256 of `body` with the audit key (the key lives outside the database)."""
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), body.encode(), hashlib.sha256).hexdigest()


def event_digest(*, prev_hash: str, created_at: str, actor_id: int | None, actor_org_id: int | None, object_type: str,
                 object_id: int,
                 action: str, from_state: str, to_state: str, reason: str, payload: dict, internal: bool,
                 request_id: str, mac_version: int = 1, actor_name: str = "", actor_org_name: str = "") -> str:
    """HMAC over the event's content and the previous hash, as MAC version `mac_version` defines it."""
    fields = [prev_hash, created_at, actor_id, actor_org_id, object_type, object_id, action, from_state, to_state,
              reason, payload, internal, request_id]
    if mac_version != 1:
        # The version is signed too, so a v2 event relabelled as v1 (to escape the name check) no longer verifies.
        fields = [f"v{mac_version}", *fields, actor_name, actor_org_name]
    return mac(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str))


def digest_of(event: "AuditEvent") -> str:
    """Recompute the digest of a stored event."""
    return event_digest(
        prev_hash=event.prev_hash, created_at=event.created_at.isoformat(timespec="microseconds"),
        actor_id=event.actor_id, actor_org_id=event.actor_org_id, object_type=event.object_type,
        object_id=event.object_id, action=event.action, from_state=event.from_state, to_state=event.to_state,
        reason=event.reason, payload=event.payload, internal=event.internal, request_id=event.request_id,
        mac_version=event.mac_version, actor_name=event.actor_name, actor_org_name=event.actor_org_name,
    )
