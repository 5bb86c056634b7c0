"""Which details of an audit event a reader may see."""

# Details only the supervising side may read: the number of a complaint merged into a unit's problem tells the unit
# of a call (and a caller) it was never given.
INTERNAL_PAYLOAD_KEYS = frozenset({"duplicate"})


def public_payload(payload: dict | None, sees_internal: bool) -> dict:
    """The event's details as this reader may see them."""
    payload = payload or {}
    return payload if sees_internal else {k: v for k, v in payload.items() if k not in INTERNAL_PAYLOAD_KEYS}
