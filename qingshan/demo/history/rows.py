"""Writing the history: each finished problem's rows and the audit events in time order, in bulk, on the
background writer (beside the generation on PostgreSQL)."""
import datetime as dt
import heapq
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection

from qingshan.access.crypto import encrypt, mask_name, mask_phone
from qingshan.audit.services import EventSpec, record_events
from qingshan.problems.choices import State
from qingshan.problems.models import (
    Assignment,
    Attachment,
    Extension,
    NumberCounter,
    Problem,
    Reporter,
    Share,
)

from ..bulk import BackgroundWriter, Inserter
from .draws import between, pick
from .texts import reporter_name
from .timeline import Draft

OBJECT_TYPE = "problems.problem"
CHUNK = 2000  # problems per bulk write
EVENT_BATCH = 10_000  # audit events per record_events call

# What the generator writes besides audit events: rows are tuples in these field orders.
TABLES = {
    "problems": (Problem, [
        "id", "number", "title", "description", "source", "category", "region", "region_path", "location", "lng",
        "lat", "urgency", "state", "received_at", "received_on", "created_by", "supervising_org", "lead_unit",
        "sign_deadline", "handle_deadline", "original_handle_deadline", "first_dispatched_at", "dispatched_at",
        "signed_at", "replied_at", "closed_at", "signed_on_time", "replied_on_time", "closed_on_time", "review_count",
        "rejection_count", "urge_count", "reassign_count", "escalation_level", "reply_text", "revisit_satisfied",
        "revisit_resolved", "merged_into", "is_restricted", "updated_at"]),
    "assignments": (Assignment, ["problem", "unit", "role", "is_active", "assigned_at", "ended_at", "end_reason"]),
    "reporters": (Reporter, ["problem", "name_encrypted", "phone_encrypted", "name_masked", "phone_masked"]),
    "attachments": (Attachment, ["problem", "purpose", "file", "stored_token", "original_name", "content_type", "size",
                                 "sha256", "uploaded_by", "uploaded_by_org", "uploaded_at"]),
    "extensions": (Extension, ["problem", "requested_by", "requested_at", "old_deadline", "requested_deadline",
                               "reason", "status", "decided_by", "decided_at", "decision_reason"]),
    "shares": (Share, ["problem", "partner", "shared_by", "shared_at", "reason"]),
    "restricted": (Problem.restricted_to.through, ["problem", "user"]),
}


@dataclass
class Stats:
    """What was generated, for the command's summary and the tests."""

    problems: int = 0
    events: int = 0
    states: Counter = field(default_factory=Counter)
    overdue_open: int = 0
    seconds_events: float = 0.0  # inside record_events (on PostgreSQL on the writer's thread, beside the generation)
    seconds_rows: float = 0.0  # writing problems and their rows (likewise)


class RowStore:
    """Collects the rows of finished problems and the due audit events, and hands them to the writer in batches."""

    def __init__(self, *, rng: random.Random, end: dt.date):
        self.rng, self.end = rng, end
        self.stats = Stats()
        self.rows: dict[str, list] = {kind: [] for kind in TABLES}
        self.event_buffer: list[EventSpec] = []
        self.inserters = {kind: Inserter(model, fields) for kind, (model, fields) in TABLES.items()}
        self.writer = BackgroundWriter()

    def add(self, kind: str, row: tuple) -> None:
        """One row of `kind` (a key of TABLES) for the next bulk write."""
        self.rows[kind].append(row)

    def collect(self, p: Draft) -> None:
        """The finished problem's own rows: the problem, its assignments, reporter and restriction."""
        rng = self.rng
        self.stats.problems += 1
        self.stats.states[p.state] += 1
        as_of = self.end
        if (p.first_dispatched_at is not None and p.closed_at is None and p.state != State.MERGED
                and p.handle_deadline < as_of and not p.replied_on_time):
            self.stats.overdue_open += 1
        self.rows["problems"].append((
            p.id, p.number, p.title, p.description, p.source.id, p.category.id, p.region.id, p.region.path,
            p.location, p.lng, p.lat, p.urgency, p.state, p.received_at, p.received_at.date(), p.created_by.id,
            p.supervising_org.id, p.lead_unit.id if p.lead_unit else None, p.sign_deadline, p.handle_deadline,
            p.original_handle_deadline, p.first_dispatched_at, p.dispatched_at, p.signed_at, p.replied_at,
            p.closed_at, p.signed_on_time, p.replied_on_time, p.closed_on_time, p.review_count, p.rejection_count,
            p.urge_count, p.reassign_count, p.escalation_level, p.reply_text, p.revisit_satisfied,
            p.revisit_resolved, p.merged_into_id, p.is_restricted, p.last,
        ))
        self.rows["assignments"] += [tuple(a) for a in p.assignments]
        if p.source.has_citizen_reporter:
            name = reporter_name(rng)
            phone = f"1{pick(rng, '35789')}{between(rng, 0, 999_999_999):09d}"
            self.rows["reporters"].append((p.id, encrypt(name), encrypt(phone), mask_name(name), mask_phone(phone)))
        if p.is_restricted:
            self.rows["restricted"] += [(p.id, u.id) for u in p.actors]

    def chunk_full(self) -> bool:
        """Whether enough problems are collected for one bulk write."""
        return len(self.rows["problems"]) >= CHUNK

    def write_rows(self) -> None:
        """Hand the collected rows to the writer (they are not touched again here) and start new lists."""
        batches = [(self.inserters[kind], rows) for kind, rows in self.rows.items() if rows]
        self.rows = {kind: [] for kind in self.rows}
        if batches:
            self.writer.submit(self._insert, batches)

    def _insert(self, batches: list[tuple[Inserter, list[tuple]]]) -> None:
        began = time.perf_counter()
        for inserter, rows in batches:
            inserter.write(rows)
        self.stats.seconds_rows += time.perf_counter() - began

    def flush_events(self, heap: list, before: dt.datetime | None) -> None:
        """Append the queued events earlier than `before` (all of them for None) to the audit chain, in order."""
        pop, buffer = heapq.heappop, self.event_buffer
        while heap and (before is None or heap[0][0] < before):
            t, _tie, pk, action, actor, org, from_state, to_state, reason, payload, internal = pop(heap)
            # Positional: EventSpec(object_type, object_id, action, actor, actor_org, from_state, to_state, reason,
            # payload, internal, created_at), built a few million times.
            buffer.append(EventSpec(OBJECT_TYPE, pk, action, actor, org, from_state, to_state, reason, payload,
                                    internal, t))
            if len(buffer) >= EVENT_BATCH:
                self._append_events()
                buffer = self.event_buffer
        if before is None:
            self._append_events()

    def _append_events(self) -> None:
        if self.event_buffer:
            specs, self.event_buffer = self.event_buffer, []
            self.stats.events += len(specs)
            self.writer.submit(self._record, specs)

    def _record(self, specs: list[EventSpec]) -> None:
        began = time.perf_counter()
        record_events(specs)
        self.stats.seconds_events += time.perf_counter() - began

    def check_constraints_per_statement(self, on: bool) -> None:
        """On PostgreSQL, check foreign keys as each bulk statement ends rather than all at commit.

        Every row refers only to rows written before it, so the checks pass either way; done per statement they run
        on the writer's thread beside the generation instead of in one long wait at commit (minutes for a million).
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {'IMMEDIATE' if on else 'DEFERRED'}")

    def finish(self, counters: dict[int, int]) -> None:
        """Store the problem numbers' counters (and, on PostgreSQL, move the id sequence past the written ids)."""
        for year, last in counters.items():
            NumberCounter.objects.update_or_create(year=year, defaults={"last": last})
        if connection.vendor == "postgresql":
            # Problems were written with explicit ids: move the id sequence past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Problem]):
                    cursor.execute(sql)
