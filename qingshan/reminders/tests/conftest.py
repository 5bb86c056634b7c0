"""Helpers for the reminder engine's tests: problems with chosen deadlines and a sweep at a chosen local time."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from qingshan.problems import services as problem_services
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def dispatch(world, time_machine):
    """Dispatch a problem to the ecology bureau at WORLD_NOW, then set its handling deadline."""
    def _dispatch(handle_deadline: dt.date | None = None, *, sign_deadline: dt.date | None = None, **kwargs):
        time_machine.move_to(WORLD_NOW, tick=False)
        problem = problem_services.problem_dispatch(actor=world.officer, problem=new_problem(world, **kwargs),
                                                    lead_unit=world.eco)
        problem_services.problem_sign(actor=world.eco_handler, problem=problem)
        changes = {}
        if handle_deadline:
            changes["handle_deadline"] = handle_deadline
        if sign_deadline:
            changes["sign_deadline"] = sign_deadline
        # Test set-up only: put the deadline where the scenario needs it.
        Problem.objects.filter(pk=problem.pk).update(**changes)
        return Problem.objects.get(pk=problem.pk)
    return _dispatch


@pytest.fixture
def sweep_at(time_machine):
    """Run the sweep with the clock at a given local date/time."""
    from qingshan.reminders.sweep import run_sweep

    def _sweep(day: dt.date, hour: int = 10):
        time_machine.move_to(at(day, hour), tick=False)
        return run_sweep()
    return _sweep
