"""红色督办 stays cheap at any size: its two queries read the open problems at red from their own partial index
(`problem_red_open_idx`), a few hundred rows, not every open problem filtered by escalation level."""
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qingshan.access.problems import visible_problems
from qingshan.problems import selectors
from qingshan.problems.choices import OPEN_STATES, EscalationLevel, State
from qingshan.problems.models import Problem
from qingshan.problems.testing.world import WORLD_NOW

from .test_list_performance import _bulk_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("role", ["officer", "group_staff", "eco_handler"])
def test_on_postgresql_the_red_list_reads_the_red_problems_index_only(world, role):
    _bulk_problems(world, 20_000)
    bulk = list(Problem.objects.filter(number__startswith="B").order_by("id").values_list("id", flat=True))
    # As on a live system: most problems finished, a few percent open, one open problem in ten at red.
    Problem.objects.filter(number__startswith="B").exclude(id__in=bulk[:600]).update(state=State.CLOSED)
    Problem.objects.filter(id__in=bulk[:600:10]).update(escalation_level=EscalationLevel.RED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = getattr(world, role)
    with CaptureQueriesContext(connection) as captured:
        groups = selectors.red_list_by_unit(user=user)
    red = visible_problems(user).filter(escalation_level__gte=EscalationLevel.RED, state__in=OPEN_STATES)
    assert sum(group.count for group in groups) == red.count()
    reads = [q["sql"] for q in captured.captured_queries if '"problems_problem"' in q["sql"]]
    assert len(reads) == 2, reads
    for sql in reads:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "problem_red_open_idx" in plan and not re.search(r"Seq Scan on problems_problem\b", plan), plan
