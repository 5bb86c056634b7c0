"""Repeated reports: a later problem of the same supervising body may report the same thing and be merged (并单)."""
import bisect
import random
from collections import deque

from qingshan.problems.choices import Action, State

from .draws import Sequences, pick
from .intake import Intake
from .texts import INTRO
from .timeline import Draft, Stop, Timeline

P_DUPLICATE = 0.012
DUPLICATE_WINDOW_DAYS = 10


class Duplicates:
    """Recent problems per supervising body, and the merging of a repeated report into one of them."""

    def __init__(self, *, rng: random.Random, timeline: Timeline, sequences: Sequences, intake: Intake):
        self.rng, self.timeline, self.sequences, self.intake = rng, timeline, sequences, intake
        self.candidates: dict[int, deque] = {}

    def primary_of(self, p: Draft) -> Draft | None:
        """The recent problem that `p` will turn out to repeat, for about one problem in a hundred; else None."""
        return self._duplicate_of(p) if self.sequences.chance("duplicate", P_DUPLICATE) else None

    def remember(self, p: Draft) -> None:
        """Keep recent problems per supervising body: a later report of the same thing may be merged into them."""
        queue = self.candidates.setdefault(p.supervising_org.id, deque())
        queue.append(p)
        while queue and (p.received_at - queue[0].received_at).days > DUPLICATE_WINDOW_DAYS:
            queue.popleft()

    def _duplicate_of(self, p: Draft) -> Draft | None:
        queue = self.candidates.get(p.supervising_org.id)
        if not queue:
            return None
        recent = [q for q in queue if (p.received_at - q.received_at).days <= DUPLICATE_WINDOW_DAYS]
        return pick(self.rng, recent) if recent else None

    def copy_from(self, primary: Draft, p: Draft) -> None:
        """A duplicate reports the same thing at the same place as its primary (another caller, another day)."""
        p.category, p.region, p.district, p.urgency = primary.category, primary.region, primary.district, "normal"
        p.title, p.location, p.lng, p.lat = primary.title, primary.location, primary.lng, primary.lat
        p.description = f"{INTRO[p.source.code]}{primary.title}。{self.intake.detail(p)}"
        p.is_restricted = False

    def merge(self, p: Draft, primary: Draft) -> None:
        """并单 while the duplicate is still 已登记: both keep their records and are linked both ways."""
        reason = f"与 {primary.number} 反映的为同一问题，并单办理。"
        t = self.timeline.later(p, pick(self.rng, (0, 0, 1)))
        if t > self.timeline.end_dt:
            raise Stop
        primary_state = primary.states[bisect.bisect_right(primary.times, t) - 1]
        self.timeline.emit(p, t, Action.MERGE, p.created_by, p.supervising_org, State.MERGED, reason=reason,
                           payload={"primary": primary.number})
        p.merged_into_id = primary.id
        self.timeline.push(t, primary.id, Action.MERGE, p.created_by, p.supervising_org, primary_state, primary_state,
                           reason, {"duplicate": p.number}, False)
