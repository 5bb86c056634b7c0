"""Who, what and where: when the problems arrive, their source, category, place, supervising body, planned lead
unit and texts."""
import bisect
import datetime as dt
import random
from decimal import Decimal

from ..city import City, District
from .days import DayIndex
from .draws import Sequences, between, cumulative, pick, weighted
from .leads import LEADS, units_by_kind
from .texts import CITIZEN_DETAILS, FIRMS, INTRO, OFFICIAL_DETAILS, RIVERS, ROADS, TITLES, TRADES
from .timeline import CST, Draft

P_URGENT = 0.025
P_RESTRICTED = 0.004
MONTH_VOLUME = [0.85, 0.7, 0.9, 1.0, 1.1, 1.25, 1.35, 1.35, 1.15, 1.0, 0.95, 0.85]
SEASON = {  # category code → month multipliers (water and air peak in summer; straw burning in autumn)
    "water": [0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.6, 1.6, 1.3, 1.0, 0.8, 0.7],
    "air": [0.9, 0.8, 0.9, 1.0, 1.1, 1.3, 1.35, 1.3, 1.1, 1.2, 1.2, 1.0],
    "noise": [0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8],
}
# source code → category code → affinity (default 1)
AFFINITY = {
    "12388": {"duty": 8, "approval": 8, "consult": 0, "water": 0.3, "air": 0.3, "noise": 0.2, "solid_waste": 0.3},
    "model": {"water": 3, "air": 3, "consult": 0, "noise": 0.2, "duty": 0.5, "approval": 0.5},
    "camera": {"solid_waste": 3, "air": 2, "ecology": 2, "consult": 0, "duty": 0, "approval": 0, "soil": 0.3},
    "central": {"ecology": 2.5, "water": 1.5, "duty": 1.5, "consult": 0, "noise": 0.3},
    "provincial": {"ecology": 2, "water": 1.5, "duty": 1.5, "consult": 0, "noise": 0.5},
    "inspection": {"consult": 0, "duty": 1.5},
    "report": {"consult": 0, "duty": 2.5, "approval": 2},
    "self": {"consult": 0, "duty": 1.5},
    "media": {"consult": 0, "duty": 2},
    "partner": {"consult": 0, "noise": 0.3},
    "12345": {"consult": 1.3, "noise": 1.5},
    "12369": {"consult": 0.8},
}
CITY_LEAD_SHARE = {"central": 0.45, "provincial": 0.4, "12388": 0.35, "report": 0.3}
CITY_LEAD_CATEGORY_BONUS = {"duty": 0.2, "approval": 0.25}


class Intake:
    """Draws each new problem's receipt, origin, place, people and texts from the city's reference tables."""

    def __init__(self, city: City, *, rng: random.Random, days: DayIndex, sequences: Sequences, start: dt.date,
                 end: dt.date, count: int):
        self.city, self.rng, self.days, self.sequences = city, rng, days, sequences
        self.start, self.end, self.count = start, end, count
        self.source_codes = [s.code for s in city.sources]
        self.source_cum = {
            working: cumulative([w[0] if working else w[1] for w in city.source_weights]) for working in (True, False)
        }
        self.cat_codes = [c.code for c in city.categories]
        self.cat_cum: dict[tuple[int, int], list[float]] = {}
        for s, code in enumerate(self.source_codes):
            affinity = AFFINITY.get(code, {})
            for month in range(12):
                weights = [base * SEASON.get(cat, [1] * 12)[month] * affinity.get(cat, 1)
                           for cat, base in zip(self.cat_codes, city.category_weights, strict=True)]
                self.cat_cum[s, month] = cumulative(weights)
        self.district_cum = cumulative([d.weight for d in city.districts])
        self.by_kind = units_by_kind(city)
        regions = [city.region] + [r for d in city.districts for r in (d.region, *d.towns)]
        self.centres = {r.id: (float(r.centre_lng), float(r.centre_lat)) for r in regions}
        self.district_centres = {d.region.id: self.centres[d.region.id] for d in city.districts}

    def _inside(self, district_id: int, lng: float, lat: float) -> tuple[float, float]:
        """The point, pulled towards its district's centre until no other district centre is nearer: inside the
        district's outline on the demo map (its Voronoi cell, dashboards/cells.py). No random draw, so the rest of
        the demo is unchanged."""
        cx, cy = self.district_centres[district_id]
        for _ in range(8):
            mine = (lng - cx) ** 2 + (lat - cy) ** 2
            if all(mine <= (lng - x) ** 2 + (lat - y) ** 2 for x, y in self.district_centres.values()):
                return lng, lat
            lng, lat = cx + (lng - cx) / 2, cy + (lat - cy) / 2
        return cx, cy

    def receipt_times(self) -> list[dt.datetime]:
        """`count` receipt times, spread over the days by season, weekday and a slight growth trend, sorted."""
        rng, days = self.rng, []
        weights = []
        span = max((self.end - self.start).days, 1)
        day = self.start
        while day <= self.end:
            trend = 0.92 + 0.16 * (day - self.start).days / span
            weights.append(MONTH_VOLUME[day.month - 1] * trend * (1.0 if self.days.is_working(day) else 0.4))
            days.append(day)
            day += dt.timedelta(days=1)
        chosen = rng.choices(days, cum_weights=cumulative(weights), k=self.count)
        times = []
        for day in chosen:
            if self.days.is_working(day):
                minute = between(rng, 8 * 60, 19 * 60) if rng.random() < 0.85 else between(rng, 7 * 60, 22 * 60)
            else:
                minute = between(rng, 7 * 60, 22 * 60)
            times.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60, between(rng, 0, 59)), CST))
        times.sort()
        return times

    def new_problem(self, pk: int, number: str, received_at: dt.datetime) -> Draft:
        """The draft of a problem received at `received_at`, before anything happens to it."""
        rng, city = self.rng, self.city
        p = Draft()
        p.id, p.number, p.received_at, p.last = pk, number, received_at, received_at
        working = self.days.is_working(received_at.date())
        s = bisect.bisect(self.source_cum[working], rng.random() * self.source_cum[working][-1])
        p.source = city.sources[s]
        cum = self.cat_cum[s, received_at.month - 1]
        c = bisect.bisect(cum, rng.random() * cum[-1])
        p.category = city.categories[c]
        cat = self.cat_codes[c]
        code = p.source.code
        p.urgency = "urgent" if (cat != "consult" and rng.random() < P_URGENT * (2 if code == "camera" else 1)) \
            else "normal"

        district = city.districts[bisect.bisect(self.district_cum, rng.random() * self.district_cum[-1])]
        p.district = district
        city_lead = rng.random() < CITY_LEAD_SHARE.get(code, 0.1) + CITY_LEAD_CATEGORY_BONUS.get(cat, 0)
        town_index = int(rng.random() * len(district.towns)) if rng.random() < 0.8 else None
        if city_lead and cat in ("duty", "approval") and rng.random() < 0.35:
            p.region, town_index, p.district = city.region, None, None
        elif town_index is None:
            p.region = district.region
        else:
            p.region = district.towns[town_index]
        lead = self._pick_lead(cat, district, town_index, city_lead)
        p.lead_unit = None
        p.supervising_org = self._pick_supervisor(code, cat, lead, district if p.district else None)
        p.created_by = pick(rng, city.staff[p.supervising_org.id])
        p.planned_lead = lead
        self._texts(p, cat, district, town_index, lead)
        lng, lat = self.centres[p.region.id]
        lng, lat = lng + rng.uniform(-0.03, 0.03), lat + rng.uniform(-0.025, 0.025)
        if p.region.id != city.region.id:
            lng, lat = self._inside(district.region.id, lng, lat)
        p.lng, p.lat = Decimal(f"{lng:.6f}"), Decimal(f"{lat:.6f}")
        p.is_restricted = self.sequences.chance("restricted_12388", 0.08) if code == "12388" else \
            self.sequences.chance("restricted", P_RESTRICTED)
        return p

    def _pick_lead(self, cat: str, district: District, town_index: int | None, city_lead: bool):
        rng = self.rng
        district_options, city_options = LEADS[cat]
        if city_lead:
            return self.city.city_units[weighted(rng, city_options)]
        options = [(k, w) for k, w in district_options if k != "town" or town_index is not None]
        key = weighted(rng, options)
        if key == "town":
            return district.town_units[town_index]
        return self.by_kind[district.index][key]

    def _pick_supervisor(self, code: str, cat: str, lead, district: District | None):
        rng, city = self.rng, self.city
        if code == "12388" and rng.random() < 0.5:
            return city.offices["xinfang"]
        if lead.region_id == city.region.id:
            group = city.group_of_unit.get(lead.id)
            if group is not None and rng.random() < 0.65:
                return group
            if cat == "duty" and rng.random() < 0.5:
                return city.offices["style"]
            if district is not None:
                return district.inspection_office
            return city.offices[f"insp{between(rng, 1, 4)}"]
        return district.commission if rng.random() < 0.75 else district.inspection_office

    def _texts(self, p: Draft, cat: str, district: District, town_index, lead) -> None:
        rng = self.rng
        town = district.towns[town_index].name if town_index is not None else ""
        place = f"{district.name}{town}" if p.district else "青山市"
        road = pick(rng, ROADS)
        p.title = pick(rng, TITLES[cat]).format(
            place=place, river=pick(rng, RIVERS), road=f"{place}{road}",
            firm=f"{place}{pick(rng, FIRMS)}{pick(rng, TRADES)}有限公司", unit=lead.short_name or lead.name,
        )[:200]
        p.location = f"{place}{road}{between(rng, 1, 399)}号附近" if cat not in ("duty", "consult") else ""
        p.description = f"{INTRO[p.source.code]}{p.title}。{self.detail(p)}"

    def detail(self, p: Draft) -> str:
        """The last sentence of a problem's description."""
        if p.category.code == "consult":
            return "请予以答复。"
        return pick(self.rng, CITIZEN_DETAILS if p.source.has_citizen_reporter else OFFICIAL_DETAILS)
