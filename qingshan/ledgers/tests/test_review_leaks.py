"""Review of leaks (a guard): a problem restricted to named people is absent from the 问题清单 page, its entry and
the Excel export of everyone else, and present for the people named."""
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from qingshan.problems.choices import State
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def _seen(client, user, problem) -> tuple[bool, bool, bool]:
    client.force_login(user)
    page = client.get(reverse("ledgers:ledger", args=["problems"])).content.decode()
    entry = client.get(reverse("ledgers:entry", args=["problems", problem.pk])).status_code
    export = client.get(reverse("ledgers:export", args=["problems"]))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True).active
    numbers = [r[0] for r in sheet.iter_rows(values_only=True)]
    return problem.number in page, entry == 200, problem.number in numbers


def test_restricted_problem_stays_out_of_the_ledger_and_its_export(client, world):
    problem = drive_to(world, State.SIGNED)
    Problem.objects.filter(pk=problem.pk).update(is_restricted=True)
    problem.restricted_to.set([world.leader])
    for user in (world.officer, world.eco_handler, world.readonly):
        assert _seen(client, user, problem) == (False, False, False), user.username
    assert _seen(client, world.leader, problem) == (True, True, True)
