"""Review of leaks: a problem restricted to named people stays out of the supervision pages of everyone else."""
import datetime as dt

import pytest
from django.urls import reverse

from qingshan.core.testing.scope import ScopeMatrix, shows
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import restrict_only_to
from qingshan.supervision import services

from .conftest import submit

TITLES = {"plain": "排口夜间偷排", "restricted": "局长亲属承揽工程"}


class TestFindingProblemScope(ScopeMatrix):
    """A report on a project's item with two findings; the problem of one is restricted to the 信访 officer alone."""

    objects = ("plain", "restricted")
    sees = {"officer": {"plain"}, "leader": {"plain"}, "group_staff": {"plain"}}
    surfaces = ("slot", "project")

    def expect(self, role, obj, surface):
        if role == "group_staff" and surface == "project":
            return None  # the project is the water bureau's, which the group does not supervise: no dossier at all
        return super().expect(role, obj, surface)

    @pytest.fixture
    def scene(self, sw):
        w = sw
        w.project = services.project_create(
            actor=w.officer, plan=w.plan, name="青山河综合治理工程", responsible_unit=w.water, region=w.city,
            planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31), tasks=[w.task])
        item = services.item_create(actor=w.officer, plan=w.plan, title="青山河工程监督", content="工程进度与资金",
                                    office=w.office, period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 2, 28), project=w.project)
        services.item_assign(actor=w.officer, item=item, orgs=[w.group])
        w.project_slot = item.slots.order_by("period_start").first()
        submit(w, slot=w.project_slot, findings=[
            {"title": title, "description": "举报反映", "category": w.water_pollution, "region": w.city}
            for title in TITLES.values()])
        w.problems = {obj: Problem.objects.get(title=title) for obj, title in TITLES.items()}
        restrict_only_to(w.problems["restricted"], w.xinfang)
        return w

    def _shows(self, response, scene, obj):
        return shows(response, TITLES[obj], scene.problems[obj].number)

    def see_slot(self, client, scene, obj, user):
        return self._shows(client.get(reverse("supervision:slot", args=[scene.project_slot.pk])), scene, obj)

    def see_project(self, client, scene, obj, user):
        response = client.get(reverse("supervision:project", args=[scene.project.pk]))
        assert shows(response, "青山河工程监督")  # the item is there, only the restricted finding is not
        return self._shows(response, scene, obj)
