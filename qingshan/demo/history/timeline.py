"""The problems' timeline: one draft per problem, its steps' times, and the queue of audit events in time order."""
import datetime as dt
import heapq
import random

from qingshan.problems.choices import State

from .days import DayIndex
from .draws import between

CST = dt.timezone(dt.timedelta(hours=8), "CST")  # Asia/Shanghai has had no daylight saving since 1991


class Stop(Exception):
    """The next step of a problem would happen after the end date: its history ends here."""


class Draft:
    """The fields of one problem while its history is simulated."""

    __slots__ = (
        "id", "number", "title", "description", "source", "category", "region", "district", "location", "lng", "lat",
        "urgency", "state", "received_at", "created_by", "supervising_org", "lead_unit", "sign_deadline",
        "handle_deadline", "original_handle_deadline", "first_dispatched_at", "dispatched_at", "signed_at",
        "replied_at", "closed_at", "signed_on_time", "replied_on_time", "closed_on_time", "review_count",
        "rejection_count", "urge_count", "reassign_count", "escalation_level", "reply_text", "revisit_satisfied",
        "revisit_resolved", "merged_into_id", "is_restricted", "last", "actors", "assignments", "handler",
        "times", "states", "planned_lead",
    )

    def __init__(self):
        self.state = State.RECEIVED
        self.lead_unit = self.sign_deadline = self.handle_deadline = self.original_handle_deadline = None
        self.first_dispatched_at = self.dispatched_at = self.signed_at = self.replied_at = self.closed_at = None
        self.signed_on_time = self.replied_on_time = self.closed_on_time = None
        self.review_count = self.rejection_count = self.urge_count = self.reassign_count = 0
        self.escalation_level = 0
        self.reply_text = ""
        self.revisit_satisfied = self.revisit_resolved = self.merged_into_id = self.handler = None
        self.is_restricted = False
        self.actors: list = []
        self.assignments: list[list] = []  # [problem, unit, role, is_active, assigned_at, ended_at, end_reason]
        self.times: list[dt.datetime] = []
        self.states: list[str] = []


class Timeline:
    """Times of the steps (office hours on working days, never past the end) and the queued audit events."""

    def __init__(self, *, rng: random.Random, days: DayIndex, end: dt.date):
        self.rng, self.days = rng, days
        self.end_dt = dt.datetime.combine(end, dt.time(23, 59, 59), CST)
        self.heap: list = []  # (time, tiebreak, problem id, action, actor, org, from, to, reason, payload, internal)
        self.tiebreak = 0

    def push(self, t: dt.datetime, pk: int, action: str, actor, org, from_state: str, to_state: str, reason: str,
             payload: dict | None, internal: bool) -> None:
        """Queue one audit event; events of the same time keep the order they were queued in."""
        self.tiebreak += 1
        heapq.heappush(self.heap, (t, self.tiebreak, pk, action, actor, org, from_state, to_state, reason, payload,
                                   internal))

    def emit(self, p: Draft, t: dt.datetime, action: str, actor, org, to_state: str | None = None, reason: str = "",
             payload: dict | None = None, internal: bool = False) -> None:
        """Queue one audit event for `p` and move it to `to_state` (None: a side step that keeps the state)."""
        if t > self.end_dt:
            raise Stop
        to_state = to_state or p.state
        self.push(t, p.id, action, actor, org, p.state, to_state, reason, payload, internal)
        p.state, p.last = to_state, t
        p.times.append(t)
        p.states.append(to_state)
        if p.is_restricted and actor not in p.actors:
            p.actors.append(actor)

    def at(self, day: dt.date, after: dt.datetime) -> dt.datetime:
        """A time in office hours on working day `day` (or the next), strictly after `after`."""
        rng = self.rng
        if day < after.date():
            day = after.date()
        while True:
            if day >= self.days.beyond:
                return self.end_dt + dt.timedelta(days=1)  # past the end: the caller's step raises Stop
            lo = 8 * 60 + 30
            if day == after.date():
                lo = max(lo, after.hour * 60 + after.minute + 3)
            if lo <= 17 * 60 + 50 and self.days.is_working(day):
                minute = between(rng, lo, min(17 * 60 + 55, lo + 240) if day == after.date() else 17 * 60 + 30)
                return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, between(rng, 0, 59)), CST)
            day = self.days.add(day, 1)

    def later(self, p: Draft, wd: int) -> dt.datetime:
        """A time `wd` working days after the problem's last step (0: the same day if there is time left)."""
        return self.at(self.days.add(p.last.date(), wd), p.last)
