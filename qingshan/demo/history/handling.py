"""The unit's side of a problem from 办理中: extensions, urgings and escalations while it is late, the reply with its
evidence, the office's review (办结, 阶段性办结 or 发回重办) and the revisit."""
import datetime as dt
import random

from qingshan.problems.choices import Action, AttachmentPurpose, EscalationLevel, ExtensionStatus, State

from ..city import City
from .days import DayIndex
from .draws import Sequences, between, pick
from .evidence import Evidence
from .rows import RowStore
from .texts import ESCALATE_REASONS, REJECT_COMMENTS, REPLIES, REPLY_DEFAULT, REVISIT_NOTES, URGE_NOTES
from .timeline import Draft, Stop, Timeline

P_STUCK = 0.019  # never finished by the end date: the core of the ~2–3 % overdue
P_LATE = 0.08
P_EXTENSION = 0.03
P_REJECT = (0.06, 0.15)  # first review, second review
P_STAGE = 0.02
P_PRE_DEADLINE_URGE = 0.25
URGE_AFTER = (1, 4, 9, 15, 25, 40, 60, 90, 130, 180, 250, 350)  # working days past the deadline
ESCALATE_AFTER = ((5, 1), (12, 2), (25, 3))


class Handling:
    """Plays a started problem to its reply, review and revisit (or to the end date while it is stuck)."""

    def __init__(self, city: City, *, rng: random.Random, days: DayIndex, timeline: Timeline, sequences: Sequences,
                 store: RowStore, evidence: list[Evidence]):
        self.city, self.rng, self.days, self.timeline, self.sequences = city, rng, days, timeline, sequences
        self.store, self.evidence = store, evidence

    def handle(self, p: Draft) -> None:
        """From 办理中 to the reply, with extensions, urgings and escalations, then review and revisit."""
        rng = self.rng
        start_day = p.last.date()
        fate = self.sequences.draw("fate")
        if p.urgency == "urgent":
            reply_day = start_day if rng.random() < 0.85 else self.days.add(start_day, 1)
        elif fate < P_STUCK:
            reply_day = None
        elif fate < P_STUCK + P_LATE:
            late = between(rng, 1, 10) if rng.random() < 0.7 else 11 + int(rng.expovariate(1 / 60))
            reply_day = self.days.add(p.handle_deadline, late)
        else:
            left = self.days.between(start_day, p.handle_deadline)
            if fate < P_STUCK + P_LATE + P_EXTENSION and left >= 4:
                self._extension(p, start_day, left)
                start_day = p.last.date()
                left = self.days.between(start_day, p.handle_deadline)
            k = round(max(left, 0) * rng.triangular(0.05, 1.0, 0.5))
            reply_day = self.days.add(start_day, min(k, max(left, 0)))
        self._chase(p, reply_day)
        self._reply(p, reply_day)
        self._review(p)

    def _extension(self, p: Draft, start_day: dt.date, left: int) -> None:
        rng, timeline = self.rng, self.timeline
        request_day = self.days.add(start_day, between(rng, 1, left - 2))
        old = p.handle_deadline
        wanted = self.days.add(old, pick(rng, (5, 10, 15)))
        reason = "涉及多部门协调，整改工程需时较长，申请延期。"
        t = timeline.at(request_day, p.last)
        timeline.emit(p, t, Action.REQUEST_EXTENSION, p.handler, p.lead_unit, reason=reason,
                      payload={"requested_deadline": str(wanted)})
        approve = rng.random() < 0.8
        decided = timeline.later(p, pick(rng, (0, 1)))
        head = self.city.heads[p.supervising_org.id]
        if approve:
            timeline.emit(p, decided, Action.APPROVE_EXTENSION, head, p.supervising_org,
                          payload={"old_deadline": str(old), "new_deadline": str(wanted)})
            status, note = ExtensionStatus.APPROVED, ""
            p.handle_deadline = wanted
        else:
            note = "整改任务可在原期限内完成，不予延期。"
            timeline.emit(p, decided, Action.REJECT_EXTENSION, head, p.supervising_org, reason=note, payload={})
            status = ExtensionStatus.REJECTED
        self.store.add("extensions", (p.id, p.handler.id, t, old, wanted, reason, status, head.id, decided, note))

    def _chase(self, p: Draft, reply_day: dt.date | None) -> None:
        """Urgings and escalations while the unit holds the problem: one before the deadline, then when overdue."""
        rng = self.rng
        steps: list[tuple[dt.date, int]] = []  # (day, 0 = urge or escalation level)
        deadline = p.handle_deadline
        if reply_day is None or reply_day >= deadline:
            before = self.days.sub(deadline, 1)
            if before > p.last.date() and rng.random() < P_PRE_DEADLINE_URGE:
                steps.append((before, 0))
        if reply_day is None or reply_day > deadline:
            steps += [(self.days.add(deadline, n), 0) for n in URGE_AFTER]
            steps += [(self.days.add(deadline, n), level) for n, level in ESCALATE_AFTER]
            steps.sort()
        head = self.city.heads[p.supervising_org.id]
        for day, level in steps:
            if reply_day is not None and day >= reply_day:
                break
            if day <= p.last.date():
                continue
            t = self.timeline.at(day, p.last)
            if level == 0:
                self.timeline.emit(p, t, Action.URGE, p.created_by, p.supervising_org, reason=pick(rng, URGE_NOTES),
                                   payload={"count": p.urge_count + 1})
                p.urge_count += 1
            elif level > p.escalation_level:
                self.timeline.emit(p, t, Action.ESCALATE, head, p.supervising_org, reason=ESCALATE_REASONS[level],
                                   payload={"from_level": p.escalation_level, "level": level,
                                            "label": EscalationLevel(level).label})
                p.escalation_level = level
        if reply_day is None:
            raise Stop

    def _reply(self, p: Draft, reply_day: dt.date) -> None:
        rng = self.rng
        t = self.timeline.at(reply_day, p.last)
        text = pick(rng, REPLIES.get(p.category.code, REPLY_DEFAULT))
        # The unit's head sometimes signs the reply off personally (the services allow handler or head).
        author = self.city.heads[p.lead_unit.id] if rng.random() < 0.2 else p.handler
        evidence = self.evidence[int(rng.random() * len(self.evidence))]
        on_time = t.date() <= p.handle_deadline
        self.timeline.emit(p, t, Action.REPLY, author, p.lead_unit, State.REPLIED, reason=text,
                           payload={"attachments": [evidence.original_name], "on_time": on_time})
        p.replied_at, p.replied_on_time, p.reply_text = t, on_time, text
        self.store.add("attachments", (
            p.id, AttachmentPurpose.EVIDENCE, evidence.name, f"{rng.getrandbits(128):032x}", evidence.original_name,
            "image/png", evidence.size, evidence.sha256, author.id, p.lead_unit.id, t,
        ))

    def _review(self, p: Draft) -> None:
        rng, timeline = self.rng, self.timeline
        head = self.city.heads[p.supervising_org.id]
        for round_ in range(3):
            reviewer = head if rng.random() < 0.7 else p.created_by
            t = timeline.later(p, pick(rng, (0, 1, 1, 2, 3)))
            if round_ < 2 and rng.random() < P_REJECT[round_]:
                timeline.emit(p, t, Action.REJECT, reviewer, p.supervising_org, State.IN_PROGRESS,
                              reason=pick(rng, REJECT_COMMENTS), payload={})
                p.review_count += 1
                p.rejection_count += 1
                # As problem_review does: a rejected reply no longer meets the deadline; the clock runs on.
                p.replied_at = p.replied_on_time = None
                redo = self.days.add(t.date(), between(rng, 2, 8))
                self._chase(p, redo)
                self._reply(p, redo)
                continue
            stage = self.sequences.chance("stage", P_STAGE * (3 if p.category.code in ("ecology", "soil") else 1))
            decision, state = (Action.APPROVE_STAGE, State.STAGE_CLOSED) if stage else (Action.APPROVE, State.CLOSED)
            on_time = bool(p.replied_on_time)
            timeline.emit(p, t, decision, reviewer, p.supervising_org, state, payload={"on_time": on_time})
            p.review_count += 1
            p.closed_at, p.closed_on_time = t, on_time
            break
        revisit = 0.6 if p.source.has_citizen_reporter else 0.1
        if rng.random() < revisit:
            satisfied = rng.random() < (0.92 if p.closed_on_time else 0.7)
            resolved = rng.random() < (0.9 if satisfied else 0.5)
            t = timeline.later(p, between(rng, 1, 5))
            timeline.emit(p, t, Action.REVISIT, p.created_by, p.supervising_org, State.REVISITED,
                          reason=pick(rng, REVISIT_NOTES), payload={"satisfied": satisfied, "resolved": resolved})
            p.revisit_satisfied, p.revisit_resolved = satisfied, resolved
