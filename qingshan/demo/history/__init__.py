"""Two years of problem history for the demo city, written in bulk (domain §12).

This is the one documented exception to "writes go through services": it writes *history*, it performs no user
action, and calling the services a million times would take hours. It keeps their rules instead:

- every problem moves only along the transition table, with actors who would pass the services' permission checks
  (supervising staff of its supervising body, handlers of its lead unit, restricted problems restricted to exactly
  the people who act on them);
- deadlines are real working-day deadlines (`add_working_days`, counted from the dispatch date as the services do)
  and every frozen flag is computed from the timestamps exactly as the services compute it;
- every step has its audit event, written through `qingshan.audit.services.record_events`.

Audit chain order: events are appended in timestamp order across all problems, not in generation order. Problems
are generated in order of receipt, every event of a problem is pushed on a heap when the problem is simulated, and
before the next problem (received at R) is simulated every queued event earlier than R is appended — no later
problem can produce an event before its own receipt, so the chain's `seq` order is the order of `created_at`.

Determinism: all randomness comes from one `random.Random` built from the seed, the clock is never read, and the
end date is a parameter. Only the reporters' ciphertexts (Fernet uses a random IV) and `updated_at` differ between
two runs; the masked values, and everything a user sees, are identical.

The pieces, by what they generate: `intake` (who, what, where: receipt times, source, category, place, people,
texts), `steps` (交办, 移送, 退回, 改派, 签收), `handling` (extensions, urgings, escalations, reply, review, revisit),
`duplicates` (repeated reports and 并单), `timeline` (step times and the queue of audit events), `rows` (bulk
writing of rows and events), `evidence` (the reply photos); `draws`, `days`, `texts` and `leads` are what they
share. `HistoryGenerator` below only wires them together and plays each problem through them.
"""
import datetime as dt
import random
from collections.abc import Callable

from django.db import reset_queries
from django.db.models import Max

from qingshan.problems.choices import Action, State
from qingshan.problems.models import NumberCounter, Problem
from qingshan.workdays.calendar import covered_years

from ..city import City
from .days import DayIndex
from .draws import Sequences
from .duplicates import Duplicates
from .evidence import evidence_files
from .handling import Handling
from .intake import Intake
from .rows import RowStore, Stats
from .steps import Steps
from .timeline import Draft, Stop, Timeline

__all__ = ["DEFAULT_END", "HistoryGenerator", "Stats", "default_start"]

DEFAULT_END = dt.date(2026, 11, 20)
P_SHARE = 0.012
P_RETURN = 0.035
P_REASSIGN = 0.02


class HistoryGenerator:
    """Generates `count` problems received between `start` and `end` (inclusive) and writes them in bulk."""

    def __init__(self, city: City, *, rng: random.Random, count: int, start: dt.date, end: dt.date,
                 progress: Callable[[int, int], None] | None = None):
        self.rng, self.count = rng, count
        self.progress = progress or (lambda done, total: None)
        last_covered = dt.date(max(covered_years()), 12, 31)
        days = DayIndex(start - dt.timedelta(days=10), min(last_covered, end + dt.timedelta(days=800)))
        self.sequences = sequences = Sequences(rng)
        self.store = store = RowStore(rng=rng, end=end)
        self.timeline = timeline = Timeline(rng=rng, days=days, end=end)
        self.intake = Intake(city, rng=rng, days=days, sequences=sequences, start=start, end=end, count=count)
        self.steps = Steps(city, rng=rng, days=days, timeline=timeline, store=store)
        self.handling = Handling(city, rng=rng, days=days, timeline=timeline, sequences=sequences, store=store,
                                 evidence=evidence_files())
        self.duplicates = Duplicates(rng=rng, timeline=timeline, sequences=sequences, intake=self.intake)

    @property
    def stats(self) -> Stats:
        """What has been generated so far."""
        return self.store.stats

    def run(self) -> Stats:
        """Generate everything; the caller provides the surrounding transaction."""
        store = self.store
        times = self.intake.receipt_times()
        next_id = (Problem.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        counters = dict(NumberCounter.objects.values_list("year", "last"))
        # The writes run on the writer's thread (PostgreSQL) while this one generates; leaving the block waits for them.
        store.check_constraints_per_statement(True)
        with store.writer:
            for i, received_at in enumerate(times):
                store.flush_events(self.timeline.heap, before=received_at)
                year = received_at.year
                counters[year] = counters.get(year, 0) + 1
                p = self.intake.new_problem(next_id + i, f"QS-{year}-{counters[year]:06d}", received_at)
                try:
                    self._simulate(p)
                except Stop:
                    pass
                store.collect(p)
                if store.chunk_full():
                    store.write_rows()
                    reset_queries()  # with DEBUG on, the logged bulk statements would otherwise pile up in memory
                    if i + 1 < self.count:
                        self.progress(i + 1, self.count)
            store.write_rows()
            store.flush_events(self.timeline.heap, before=None)
        store.check_constraints_per_statement(False)
        store.finish(counters)
        self.progress(self.count, self.count)
        return self.stats

    def _simulate(self, p: Draft) -> None:
        """Play one problem's history: registration, then a merge or the whole work loop up to the end date."""
        rng, timeline, steps, chance = self.rng, self.timeline, self.steps, self.sequences.chance
        officer, org = p.created_by, p.supervising_org
        primary = self.duplicates.primary_of(p)
        if primary is not None:
            self.duplicates.copy_from(primary, p)
        timeline.emit(p, p.received_at, Action.CREATE, officer, org, State.RECEIVED,
                      payload={"number": p.number, "attachments": [], "restricted": p.is_restricted})
        if primary is not None:
            self.duplicates.merge(p, primary)
            return
        if not p.is_restricted:
            self.duplicates.remember(p)
        lead = p.planned_lead
        t = timeline.later(p, 0 if (p.urgency == "urgent" or rng.random() < 0.65) else (1 if rng.random() < 0.8 else 2))
        steps.dispatch(p, t, lead, steps.co_units(p, lead), Action.DISPATCH)
        if p.category.code in ("water", "air", "solid_waste", "ecology") and chance("share", P_SHARE):
            steps.share(p)
        if p.urgency == "normal" and chance("return", P_RETURN):
            steps.return_and_redispatch(p)
        steps.sign(p)
        if p.urgency == "normal" and chance("reassign", P_REASSIGN):
            steps.reassign(p)
            steps.sign(p)
        timeline.emit(p, timeline.at(p.last.date(), p.last), Action.START, p.handler, p.lead_unit, State.IN_PROGRESS)
        self.handling.handle(p)


def default_start(end: dt.date) -> dt.date:
    """Two years before `end` (29 February falls back to the 28th)."""
    try:
        return end.replace(year=end.year - 2)
    except ValueError:
        return end.replace(year=end.year - 2, day=28)
