"""A small hand-built history of problems whose KPIs are worked out by hand in the tests.

Timeline (all 2026 unless said; deadlines: sign by the next working day, handle by 2026-03-20 unless said):
  J  2025-12-15 received and dispatched to 生态环境局 — outside the period 2026-01-01..04-30, never counted.
  A  03-02 生态环境局, signed 03-02 (on time), replied 03-10, closed 03-11: closed on time.
  B  03-02 生态环境局, signed 03-05 (late: limit 03-03), replied 03-25 (late), closed 03-26: closed late.
  C  03-02 生态环境局, signed on time, replied 03-12, rejected 03-13, replied 03-16, closed 03-17: on time, rejected.
  F  03-02 生态环境局, merged into A on 03-03: a duplicate.
  G  03-02 city level, never dispatched: received only (no lead unit).
  D  03-02 江岸区, 市水务局, signed on time, never replied, urged 03-23: open past due.
  E  04-20 江岸区, 市水务局 with deadline 05-20, signed on time: open, not due.
  H  03-02 绿水区青山街道 (a town), registered and closed by 绿水区纪委监委, 绿水区住建局, replied 03-09, closed
     03-10: closed on time.
"""
import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qingshan.dashboards.snapshots import fold_dirty
from qingshan.orgs.models import Region
from qingshan.orgs.services import region_save
from qingshan.problems import services
from qingshan.problems.choices import Action
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import png

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = dt.date(2026, 3, 20)


@contextmanager
def on(day: dt.date, hour: int = 10):
    """Travel to `hour` o'clock Beijing time on `day`."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False):
        yield


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def dispatch(w, problem, unit, *, actor=None, deadline=DEADLINE):
    return services.problem_dispatch(actor=actor or w.officer, problem=problem, lead_unit=unit,
                                     handle_deadline=deadline)


def sign_and_start(handler, problem):
    problem = services.problem_sign(actor=handler, problem=problem)
    return services.problem_start(actor=handler, problem=problem)


def reply(handler, problem):
    return services.problem_reply(actor=handler, problem=problem, text="已整改完毕。", files=[png()])


def approve(actor, problem):
    return services.problem_review(actor=actor, problem=problem, decision=Action.APPROVE)


@pytest.fixture
def history(world):
    """The world plus the problems of the module docstring, driven through the real services."""
    w = world
    w.town = region_save(region=Region(code="33990101", name="青山街道", parent=w.lvshui, level=3))
    p = SimpleNamespace()
    with on(d(12, 15, 2025)):
        p.J = dispatch(w, new_problem(w, title="J 去年的问题"), w.eco, deadline=None)
    with on(d(3, 2), hour=9):
        p.A = dispatch(w, new_problem(w, title="A 按期办结"), w.eco)
        p.B = dispatch(w, new_problem(w, title="B 逾期办结"), w.eco)
        p.C = dispatch(w, new_problem(w, title="C 发回后按期办结"), w.eco)
        p.F = dispatch(w, new_problem(w, title="F 重复件"), w.eco)
        p.G = new_problem(w, title="G 未交办")
        p.D = dispatch(w, new_problem(w, title="D 超期未办结", region=w.jiangan), w.water)
        p.H = dispatch(w, new_problem(w, actor=w.district_staff, title="H 街道问题", region=w.town),
                       w.lvshui_housing, actor=w.district_staff)
        for handler, problem in [(w.eco_handler, p.A), (w.eco_handler, p.C), (w.water_handler, p.D),
                                 (w.housing_handler, p.H)]:
            sign_and_start(handler, problem)
    with on(d(3, 3)):
        p.F = services.problem_merge(actor=w.officer, duplicate=p.F, primary=p.A, reason="同一排口")
    with on(d(3, 5)):
        sign_and_start(w.eco_handler, p.B)
    with on(d(3, 9)):
        reply(w.housing_handler, p.H)
    with on(d(3, 10)):
        approve(w.district_staff, p.H)
        reply(w.eco_handler, p.A)
    with on(d(3, 11)):
        approve(w.officer, p.A)
    with on(d(3, 12)):
        reply(w.eco_handler, p.C)
    with on(d(3, 13)):
        services.problem_review(actor=w.officer, problem=p.C, decision=Action.REJECT, comment="佐证不足")
    with on(d(3, 16)):
        reply(w.eco_handler, p.C)
    with on(d(3, 17)):
        approve(w.officer, p.C)
    with on(d(3, 23)):
        services.problem_urge(actor=w.officer, problem=p.D, note="请加快办理")
    with on(d(3, 25)):
        reply(w.eco_handler, p.B)
    with on(d(3, 26)):
        approve(w.officer, p.B)
    # The worker's fold runs here (PostgreSQL): the facts so far are in the snapshot; E and whatever a test does next
    # stay listed as written since, so every test counts a mix of folded and pending problems.
    fold_dirty()
    with on(d(4, 20)):
        p.E = dispatch(w, new_problem(w, title="E 未到期", region=w.jiangan), w.water, deadline=d(5, 20))
        services.problem_sign(actor=w.water_handler, problem=p.E)
    w.p = p
    return w
