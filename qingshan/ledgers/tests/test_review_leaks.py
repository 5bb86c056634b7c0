"""Review of leaks (a guard): a problem restricted to named people is absent from the 问题清单 page, its entry and
the Excel export of everyone else, and present for the people named."""
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from qingshan.core.testing.scope import ScopeMatrix, found, shows, xlsx_rows
from qingshan.ledgers.testing import export_response
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to, restrict_only_to
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


class TestRestrictedProblemInTheLedger(ScopeMatrix):
    objects = ("restricted",)
    sees = {"officer": set(), "eco_handler": set(), "readonly": set(), "leader": {"restricted"}}
    surfaces = ("page", "entry", "export")

    @pytest.fixture
    def scene(self, world):
        problem = drive_to(world, State.SIGNED)
        restrict_only_to(problem, world.leader)
        return SimpleNamespace(**vars(world), objects={"restricted": problem})

    def see_page(self, client, scene, obj, user):
        return shows(client.get(reverse("ledgers:ledger", args=["problems"])), scene.objects[obj].number)

    def see_entry(self, client, scene, obj, user):
        return found(client.get(reverse("ledgers:entry", args=["problems", scene.objects[obj].pk])))

    def see_export(self, client, scene, obj, user):
        rows = xlsx_rows(export_response(client, "problems"))
        return scene.objects[obj].number in [row[0] for row in rows]
