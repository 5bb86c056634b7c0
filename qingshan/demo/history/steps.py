"""The office's side of a problem until the unit works on it: 交办 and its deadlines, 移送, 退回 and 重新交办, 改派,
and the unit's 签收."""
import datetime as dt
import random

from qingshan.problems.choices import Action, AssignmentRole, State
from qingshan.problems.models import Problem
from qingshan.problems.timelimits import rule_for
from qingshan.workdays.calendar import add_working_days

from ..city import City
from .days import DayIndex
from .draws import between, pick
from .leads import LEADS, units_by_kind
from .rows import RowStore
from .texts import RETURN_REASONS
from .timeline import Draft, Timeline

P_CO_UNITS = 0.15
P_SIGN_LATE = 0.06


class Steps:
    """Dispatches, returns, reassignments, shares and signatures of one problem at a time."""

    def __init__(self, city: City, *, rng: random.Random, days: DayIndex, timeline: Timeline,
                 store: RowStore):
        self.city, self.rng, self.days, self.timeline, self.store = city, rng, days, timeline, store
        self.by_kind = units_by_kind(city)
        self.group_units: dict[int, set[int]] = {}
        for unit_pk, group in city.group_of_unit.items():
            self.group_units.setdefault(group.id, set()).add(unit_pk)
        self._deadline_cache: dict[tuple[dt.date, int], dt.date] = {}
        self._rule_cache: dict[tuple[int, int, str], tuple[int, int]] = {}

    def _deadline(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        found = self._deadline_cache.get(key)
        if found is None:
            with self.store.writer.database():  # the calendar may be re-read from the database
                found = self._deadline_cache[key] = add_working_days(day, n)
        return found

    def _limits(self, p: Draft) -> tuple[int, int]:
        key = (p.source.id, p.category.id, p.urgency)
        found = self._rule_cache.get(key)
        if found is None:
            with self.store.writer.database():
                rule = rule_for(Problem(source_id=p.source.id, category_id=p.category.id, urgency=p.urgency))
            found = self._rule_cache[key] = (rule.sign_days, rule.handle_days)
        return found

    def dispatch(self, p: Draft, t: dt.datetime, lead, co: list, action: str, reason: str = "") -> None:
        """交办 (or 改派) to `lead` with co-units `co` at `t`, with the deadlines the services would set."""
        sign_days, handle_days = self._limits(p)
        day = t.date()
        sign_deadline, handle_deadline = self._deadline(day, sign_days), self._deadline(day, handle_days)
        old = p.lead_unit
        if action == Action.DISPATCH:
            payload = {"lead_unit": str(lead), "co_units": [str(u) for u in co], "sign_deadline": str(sign_deadline),
                       "handle_deadline": str(handle_deadline)}
        else:
            # Extensions are always decided at once here, so none is pending to lapse.
            payload = {"from_unit": str(old), "lead_unit": str(lead), "co_units": [str(u) for u in co],
                       "handle_deadline": str(handle_deadline), "extension_lapsed": False}
        self.timeline.emit(p, t, action, p.created_by, p.supervising_org, State.DISPATCHED, reason=reason,
                           payload=payload)
        for a in p.assignments:
            if a[3]:
                a[3], a[5], a[6] = False, t, ("重新交办" if action == Action.DISPATCH else f"改派：{reason}")
        p.assignments.append([p.id, lead.id, AssignmentRole.LEAD, True, t, None, ""])
        p.assignments += [[p.id, u.id, AssignmentRole.CO, True, t, None, ""] for u in co]
        p.sign_deadline, p.handle_deadline = sign_deadline, handle_deadline
        p.original_handle_deadline = handle_deadline
        p.signed_at = p.signed_on_time = None
        p.lead_unit, p.dispatched_at = lead, t
        p.first_dispatched_at = p.first_dispatched_at or t
        if action == Action.REASSIGN:
            p.reassign_count += 1
        p.handler = pick(self.rng, self.city.handlers[lead.id])
        if p.is_restricted and p.handler not in p.actors:
            p.actors.append(p.handler)  # the unit's handler must be able to see a restricted problem to sign it

    def co_units(self, p: Draft, lead) -> list:
        """The co-units of a first dispatch (most problems have none)."""
        rng = self.rng
        if rng.random() >= P_CO_UNITS:
            return []
        district_options, city_options = LEADS[p.category.code]
        if lead.region_id == self.city.region.id or p.district is None:
            pool = [self.city.city_units[k] for k, _w in city_options]
            pool += [self.city.city_units[k] for k in ("water", "urban", "land") if k not in dict(city_options)]
        else:
            pool = [self.by_kind[p.district.index][k] for k, _w in district_options if k not in ("town", "gov")]
            pool += [u for u in p.district.town_units if u.region_id == p.region.id]
        pool = [u for u in dict.fromkeys(pool) if u.id != lead.id]
        return rng.sample(pool, min(len(pool), 1 if rng.random() < 0.8 else 2))

    def share(self, p: Draft) -> None:
        """移送协作单位: the city's pollution-control office follows the problem too."""
        partner = self.city.partners[0]
        reason = "涉及跨部门污染防治协调，移送市污染防治攻坚办协同督办。"
        t = self.timeline.later(p, 0)
        self.timeline.emit(p, t, Action.SHARE, p.created_by, p.supervising_org, reason=reason,
                           payload={"partner": str(partner)})
        self.store.add("shares", (p.id, partner.id, p.created_by.id, t, reason))

    def _other_lead(self, p: Draft):
        district_options, city_options = LEADS[p.category.code]
        if p.lead_unit.region_id == self.city.region.id or p.district is None:
            pool = [self.city.city_units[k] for k, _w in city_options] + [self.city.city_units["water"]]
        else:
            pool = [self.by_kind[p.district.index][k] for k, _w in district_options if k != "town"]
            pool += [self.by_kind[p.district.index]["gov"]]
        pool = [u for u in dict.fromkeys(pool) if u.id != p.lead_unit.id]
        if p.supervising_org.kind == "stationed_group":
            # A stationed group may act only on its own problems or its units' ones: keep it in its lane.
            pool = [u for u in pool if u.id in self.group_units.get(p.supervising_org.id, ())] or pool
        return pick(self.rng, pool) if pool else None

    def return_and_redispatch(self, p: Draft) -> None:
        """退回 by the lead unit (not its duty), then 重新交办 to another unit."""
        rng = self.rng
        new_lead = self._other_lead(p)
        if new_lead is None:
            return
        if rng.random() < 0.3:
            self.sign(p)
        reason = pick(rng, RETURN_REASONS)
        t = self.timeline.later(p, pick(rng, (0, 1, 1, 2)))
        unit = p.lead_unit
        self.timeline.emit(p, t, Action.RETURN, p.handler, unit, State.RETURNED, reason=reason,
                           payload={"unit": str(unit), "extension_lapsed": False})
        for a in p.assignments:
            if a[3]:
                a[3], a[5], a[6] = False, t, f"退回：{reason}"
        p.lead_unit = None
        p.reassign_count += 1
        self.dispatch(p, self.timeline.later(p, pick(rng, (0, 1, 1, 2))), new_lead, [], Action.DISPATCH,
                      reason=f"原承办单位退回，重新交办{new_lead}。")

    def reassign(self, p: Draft) -> None:
        """改派 to another lead unit, sometimes after the first one has started."""
        new_lead = self._other_lead(p)
        if new_lead is None:
            return
        if p.state == State.SIGNED and self.rng.random() < 0.5:
            self.timeline.emit(p, self.timeline.later(p, 0), Action.START, p.handler, p.lead_unit, State.IN_PROGRESS)
        reason = "经研判，该问题由新承办单位牵头办理更为适宜。"
        self.dispatch(p, self.timeline.later(p, between(self.rng, 1, 3)), new_lead, [], Action.REASSIGN,
                      reason=reason)

    def sign(self, p: Draft) -> None:
        """签收 by the lead unit's handler: mostly on the dispatch day, a few late."""
        rng = self.rng
        dispatch_day = p.dispatched_at.date()
        if rng.random() < P_SIGN_LATE:
            day = self.days.add(p.sign_deadline, between(rng, 1, 3))
        elif p.sign_deadline == dispatch_day or rng.random() < 0.6:
            day = dispatch_day
        else:
            day = p.sign_deadline
        t = self.timeline.at(day, p.last)
        on_time = t.date() <= p.sign_deadline
        self.timeline.emit(p, t, Action.SIGN, p.handler, p.lead_unit, State.SIGNED, payload={"on_time": on_time})
        p.signed_at, p.signed_on_time = t, on_time
