"""record_event(): the only way to write the audit log. Call it inside the transaction of the change it records."""
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from qingshan.core.middleware import current_request_id

from .anchor import anchor_after_commit
from .chain import GENESIS, MAC_VERSION, event_digest
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:  # audit sits beside orgs in the layers: the types only, no import at run time
    from qingshan.orgs.models import Organisation, User

_PG_LOCK_KEY = 72_011_301  # arbitrary, fixed: the advisory lock that serialises appends to the chain
# Batches larger than this are streamed (COPY on PostgreSQL, executemany on SQLite); smaller ones are one INSERT.
# Neither goes through the ORM's bulk_create, which prepares every value through the field machinery (~200 µs an
# event, most of the cost of a large import).
BULK_THRESHOLD = 50
# The columns of a chain row, in the order the rows are built. The payload stays a dict until it is written.
_COLUMNS = ("seq", "created_at", "actor_id", "actor_name", "actor_org_id", "object_type", "object_id", "action",
            "from_state", "to_state", "reason", "payload", "internal", "request_id", "prev_hash", "hash",
            "actor_org_name", "mac_version")
_PAYLOAD = _COLUMNS.index("payload")
_CREATED_AT = _COLUMNS.index("created_at")


class EventSpec(NamedTuple):
    """One event to append (used by bulk writers such as the demo generator; a tuple, cheap to build by the million)."""

    object_type: str
    object_id: int
    action: str
    actor: "User | None" = None  # None: the system acted
    actor_org: "Organisation | None" = None
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    payload: dict | None = None
    internal: bool = False
    created_at: dt.datetime | None = None


def _lock_chain() -> tuple[int, str]:
    """Serialise appenders: one chain, one writer at a time, until the surrounding transaction ends. Returns the
    head (seq and hash). Written out, not built by the ORM: every audited change in the system passes here.

    Two statements on purpose: the head is read by a statement that starts after the lock is held, so it sees a head
    that the previous holder created (a single statement's snapshot would be older than the lock)."""
    head = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # SQLite has one writer at a time already
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        lock_row = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
        cursor.execute(f"SELECT seq, hash FROM {head} WHERE id = 1{lock_row}")
        row = cursor.fetchone()
    if row is None:
        AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS)
        return 0, GENESIS
    return row[0], row[1]


class _Chain:
    """Builds the rows that append events after a chain head, remembering the last one as it goes."""

    def __init__(self, seq: int, last_hash: str):
        self.seq, self.hash = seq, last_hash

    def rows(self, specs: Iterable[EventSpec]) -> Iterator[tuple]:
        """One row per spec, in `_COLUMNS` order (the payload still a dict), each hashed onto the one before."""
        request_id = current_request_id.get()
        utc = dt.UTC
        for spec in specs:
            created_at = (spec.created_at or timezone.now()).astimezone(utc)
            actor, actor_org, payload = spec.actor, spec.actor_org, spec.payload or {}
            actor_id = actor.pk if actor is not None else None
            actor_org_id = actor_org.pk if actor_org is not None else None
            actor_name = str(actor) if actor is not None else "系统"
            actor_org_name = str(actor_org) if actor_org is not None else ""
            digest = event_digest(
                prev_hash=self.hash, created_at=created_at.isoformat(timespec="microseconds"), actor_id=actor_id,
                actor_org_id=actor_org_id, object_type=spec.object_type, object_id=spec.object_id,
                action=spec.action, from_state=spec.from_state, to_state=spec.to_state, reason=spec.reason,
                payload=payload, internal=spec.internal, request_id=request_id, mac_version=MAC_VERSION,
                actor_name=actor_name, actor_org_name=actor_org_name,
            )
            row = (
                self.seq + 1, created_at, actor_id, actor_name, actor_org_id, spec.object_type, spec.object_id,
                spec.action, spec.from_state, spec.to_state, spec.reason, payload, spec.internal, request_id,
                self.hash, digest, actor_org_name, MAC_VERSION,
            )
            self.seq, self.hash = row[0], digest
            yield row


def _write_rows(rows: Iterator[tuple], *, bulk: bool = True) -> None:
    """Insert chain rows as Django would store them, without preparing each value through the ORM.

    A bulk batch streams into COPY on PostgreSQL, so the server indexes the rows while Python hashes on; a small one
    (every user action) is one INSERT.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(AuditEvent._meta.get_field(name).column) for name in _COLUMNS)  # type: ignore[union-attr, arg-type]
    dumps = json.dumps  # what JSONField stores (no encoder): the same text, so the same payload when read back
    with connection.cursor() as cursor:
        if bulk and connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:_PAYLOAD], dumps(row[_PAYLOAD]), *row[_PAYLOAD + 1:]))
            return
        # Datetimes as the backend's own adapter writes them (naive UTC text on SQLite).
        values = [(*row[:_CREATED_AT], connection.ops.adapt_datetimefield_value(row[_CREATED_AT]),
                   *row[_CREATED_AT + 1:_PAYLOAD], dumps(row[_PAYLOAD]), *row[_PAYLOAD + 1:]) for row in rows]
        marks = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        if bulk:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", values)
        elif values:
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(values))}",
                           [value for row in values for value in row])


def _insert_models(rows: Iterator[tuple]) -> list[AuditEvent]:
    """Insert chain rows through the ORM (small batches: every user action), returning the saved events."""
    return AuditEvent.objects.bulk_create([AuditEvent(**dict(zip(_COLUMNS, row, strict=True))) for row in rows])


def _append(specs: Sequence[EventSpec], write: Callable[[Iterator[tuple]], Any]) -> Any:
    """Lock the chain, write `specs` after its head with `write`, move the head; returns what `write` returned."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    seq, last_hash = _lock_chain()
    if not specs:
        return None
    chain = _Chain(seq, last_hash)
    written = write(chain.rows(specs))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(AuditChainHead._meta.db_table)} SET seq = %s, hash = %s "
                       "WHERE id = 1", [chain.seq, chain.hash])
    # The chain is gap-free from seq 1, so the head's seq is also the number of events.
    transaction.on_commit(lambda: anchor_after_commit(seq=chain.seq, digest=chain.hash, count=chain.seq))
    return written


def record_events(specs: Sequence[EventSpec]) -> int:
    """Append several events to the chain in order, in the caller's transaction; returns how many were appended."""
    _append(specs, functools.partial(_write_rows, bulk=len(specs) > BULK_THRESHOLD))
    return len(specs)


def record_event(*, object_type: str, object_id: int, action: str, actor: "User | None" = None,
                 actor_org: "Organisation | None" = None, from_state: str = "", to_state: str = "",
                 reason: str = "", payload: dict | None = None, internal: bool = False) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    return _append([EventSpec(
        object_type=object_type, object_id=object_id, action=action, actor=actor, actor_org=actor_org,
        from_state=from_state, to_state=to_state, reason=reason, payload=payload, internal=internal,
    )], _insert_models)[0]
