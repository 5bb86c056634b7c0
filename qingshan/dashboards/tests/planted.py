"""A hand-built data set for 一键分析 and the 体检报告, with its outliers planted.

The problems are written straight into the table with the outcome columns the KPI conditions read (dispatch, sign,
close, review and rejection counts): the work loop's own tests cover how the services write those columns; here
the subject is what the analysis reads from them. Period 2026-03-01..03-31, as of 2026-04-30.

  Districts D1..D5 (绿水区, 江岸区 and three more); units U1..U7, ten problems each, two in each district.
  U1..U6 close all ten on time. U7 (市农业农村局) closes 3 on time and leaves 7 overdue: the unit outlier of
  按期办结率, and an overdue concentration. U3 (市自然资源局) has 4 of its 10 rejected once at review, one each in
  D1..D4: the unit outlier of 发回重办率 and the rejection concentration, while no district's rate moves 10 points.
  U8 (江岸区城管局) has 4 overdue problems, all in D5 (青岭区): below the unit minimum base (5), so it is no unit
  outlier, but it makes D5 the district outlier of 按期办结率 (12/18 against a median near 89 %), and it is named in
  the overdue concentration (4 ≥ 3).
  A year earlier (2025-03) U1 received 40 problems in D1, all closed on time: 受理数 rises 85 % year on year and
  按期办结率 falls 14.9 points. The previous period (2026-01-29..02-28) is empty (below every minimum base).
"""
import datetime as dt
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from qingshan.core.choices import EscalationLevel
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region
from qingshan.orgs.services import region_save
from qingshan.problems.choices import State
from qingshan.problems.models import Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = {"received_from": "2026-03-01", "received_to": "2026-03-31", "as_of": "2026-04-30"}
_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def problem(w, *, unit, region, received: dt.date, outcome: str, rejected: int = 0, red: bool = False) -> Problem:
    """One problem received on `received`, dispatched and signed on time the same day, deadline 20 days later;
    outcome "on_time" (closed within it) or "overdue" (never replied)."""
    deadline = received + dt.timedelta(days=20)
    fields = dict(
        number=f"T{next(_numbers):06d}", title=f"{unit.name}的问题", description="群众反映的问题。",
        source=w.inspection, category=w.water_pollution, region=region, region_path=region.path,
        state=State.IN_PROGRESS, received_at=at(received), received_on=received, created_by=w.officer,
        supervising_org=w.office, lead_unit=unit, sign_deadline=received + dt.timedelta(days=1),
        handle_deadline=deadline, original_handle_deadline=deadline, first_dispatched_at=at(received, 11),
        dispatched_at=at(received, 11), signed_at=at(received, 12), signed_on_time=True,
        escalation_level=EscalationLevel.RED if red else 0,
    )
    if outcome == "on_time":
        fields |= dict(state=State.CLOSED, replied_at=at(deadline - dt.timedelta(days=5)), replied_on_time=True,
                       closed_at=at(deadline - dt.timedelta(days=4)), closed_on_time=True,
                       review_count=1 + rejected, rejection_count=rejected)
    return Problem.objects.create(**fields)


def ensure_default_rules() -> None:
    """Put back the analysis rules the migration seeded: a browser story's flush (TransactionTestCase) empties them."""
    import importlib

    from django.apps import apps

    from qingshan.dashboards.models import AnalysisRule

    if not AnalysisRule.objects.exists():
        importlib.import_module("qingshan.dashboards.migrations.0002_analysis_rules").seed_rules(apps, None)


def planted_world(w) -> SimpleNamespace:
    ensure_default_rules()
    qingling = region_save(region=Region(code="339903", name="青岭区", parent=w.city))
    districts = [w.lvshui, w.jiangan,
                 region_save(region=Region(code="339904", name="白沙区", parent=w.city)),
                 region_save(region=Region(code="339905", name="东湖区", parent=w.city)),
                 qingling]
    names = ["市生态环境局", "市水务局", "市自然资源局", "市住建局", "市交通运输局", "市林业局", "市农业农村局"]
    units = [Organisation.objects.get(name=n) if Organisation.objects.filter(name=n).exists()
             else Organisation.objects.create(name=n, kind=OrgKind.UNIT, region=w.city) for n in names]
    march = dt.date(2026, 3, 2)
    for index, unit in enumerate(units):
        for j in range(10):
            region = districts[j // 2]
            if index == 6:  # U7: 3 on time, 7 overdue
                problem(w, unit=unit, region=region, received=march, outcome="on_time" if j < 3 else "overdue",
                        red=j == 9)
            else:
                rejected = 1 if index == 2 and j in (0, 2, 4, 6) else 0
                problem(w, unit=unit, region=region, received=march, outcome="on_time", rejected=rejected)
    for _ in range(4):  # U8: overdue, all in D5
        problem(w, unit=w.jiangan_urban, region=qingling, received=march, outcome="overdue")
    for _ in range(40):  # a year earlier
        problem(w, unit=units[0], region=w.lvshui, received=dt.date(2025, 3, 3), outcome="on_time")
    return SimpleNamespace(units=units, u3=units[2], u7=units[6], u8=w.jiangan_urban, districts=districts,
                           d5=qingling)
