"""KPI conditions on edge cases of the work loop (the full KPI arithmetic is tested with the KPI page)."""
import datetime as dt

import pytest
import time_machine

from qingshan.problems import kpis, services
from qingshan.problems.choices import Action, State
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db


def test_a_rejected_reply_does_not_keep_the_problem_on_time(world):
    with time_machine.travel(WORLD_NOW, tick=False):
        problem = drive_to(world, State.REPLIED)
        services.problem_review(actor=world.officer, problem=problem, decision=Action.REJECT, comment="证据不足")
    deadline = Problem.objects.get(pk=problem.pk).handle_deadline
    after = deadline + dt.timedelta(days=1)
    # Left idle after 发回重办, it is overdue the day after its deadline, although the first reply was on time.
    assert Problem.objects.filter(kpis.overdue(after), pk=problem.pk).exists()
    assert not Problem.objects.filter(kpis.overdue(deadline), pk=problem.pk).exists()


def test_an_on_time_reply_awaiting_review_is_not_overdue(world):
    with time_machine.travel(WORLD_NOW, tick=False):
        problem = drive_to(world, State.REPLIED)
    later = problem.handle_deadline + dt.timedelta(days=10)
    assert not Problem.objects.filter(kpis.overdue(later), pk=problem.pk).exists()
