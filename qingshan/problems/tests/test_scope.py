"""The problems' visibility matrix: role × problem × every surface a problem is reached by (list and detail pages,
the API's list and detail, its attachment on the page and through the API, the 问题清单 export, the reminders
inbox and the red list by unit). A role that may not see a problem finds it nowhere; a role that may, finds it
everywhere it is shown."""
import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from qingshan.core.testing.scope import ScopeMatrix, found, in_rows, shows, xlsx_rows
from qingshan.ledgers.testing import export_response
from qingshan.problems import services
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW, png

pytestmark = pytest.mark.django_db

EVERYTHING = {"city_eco", "lvshui_housing", "restricted"}
REMINDED = {"eco_handler", "eco_head", "housing_handler"}  # the lead units' people get the handling reminders


class TestProblemScope(ScopeMatrix):
    objects = ("city_eco", "lvshui_housing", "restricted")
    sees = {
        "officer": EVERYTHING,  # the city's office, and named on the restricted problem (it registered it)
        "leader": {"city_eco", "lvshui_housing"},  # not named on the restricted one
        "group_staff": {"city_eco"},  # supervises 市生态环境局 only
        "district_staff": {"lvshui_housing"},  # 绿水区 only
        "eco_handler": {"city_eco", "restricted"},  # lead unit, and named
        "eco_head": {"city_eco"},  # lead unit, not named
        "housing_handler": {"lvshui_housing"},
        "outsider": set(),
    }
    surfaces = ("list", "page", "api_list", "api", "file", "api_file", "export", "reminder", "red_list")

    def expect(self, role, obj, surface):
        if surface == "reminder" and role not in REMINDED:
            return None  # supervisors are not reminded of a handling deadline
        if surface == "export" and role == "outsider":
            return None  # a person of no organisation cannot export at all (tested in ledgers)
        return super().expect(role, obj, surface)

    @pytest.fixture
    def scene(self, world, time_machine):
        from qingshan.reminders.sweep import run_sweep

        w = world
        time_machine.move_to(WORLD_NOW, tick=False)

        def dispatched(lead, **kwargs):
            problem = new_problem(w, files=[png()], **kwargs)
            return services.problem_dispatch(actor=w.officer, problem=problem, lead_unit=lead)

        problems = {
            "city_eco": dispatched(w.eco, title="市生态环境局主办"),
            "lvshui_housing": dispatched(w.lvshui_housing, region=w.lvshui, title="绿水区住建局主办"),
            "restricted": dispatched(w.eco, title="限定知悉", restricted_to=[w.eco_handler]),
        }
        # Test set-up only: a handling deadline already past, so the sweep reminds the lead units.
        Problem.objects.filter(pk__in=[p.pk for p in problems.values()]).update(handle_deadline=dt.date(2026, 3, 20))
        for problem in problems.values():  # all red, for the red list by unit
            services.problem_escalate(actor=None, problem=problem, level=3, reason="超期提级督办")
        time_machine.move_to(dt.datetime(2026, 3, 23, 10, tzinfo=WORLD_NOW.tzinfo), tick=False)
        run_sweep()
        return SimpleNamespace(**vars(w), problems={k: Problem.objects.get(pk=p.pk) for k, p in problems.items()},
                               files={k: p.attachments.get() for k, p in problems.items()})

    def see_list(self, client, scene, obj, user):
        response = client.get(reverse("problems:list"))
        return found(response, hidden=(403,)) and shows(response, scene.problems[obj].number)

    def see_page(self, client, scene, obj, user):
        return found(client.get(reverse("problems:detail", args=[scene.problems[obj].pk])))

    def see_api_list(self, client, scene, obj, user):
        response = client.get("/api/problems/", {"page_size": 100})
        return found(response, hidden=(403,)) and shows(response, scene.problems[obj].number)

    def see_api(self, client, scene, obj, user):
        return found(client.get(f"/api/problems/{scene.problems[obj].pk}/"))

    def see_file(self, client, scene, obj, user):
        return found(client.get(reverse("problems:download", args=[scene.files[obj].pk])))

    def see_api_file(self, client, scene, obj, user):
        return found(client.get(f"/api/attachments/{scene.files[obj].pk}/download/",
                                HTTP_ACCEPT="application/octet-stream"))

    def see_export(self, client, scene, obj, user):
        return in_rows(xlsx_rows(export_response(client, "problems")),
                       scene.problems[obj].number)

    def see_red_list(self, client, scene, obj, user):
        return shows(client.get(reverse("problems:red_list")), scene.problems[obj].number)

    def see_reminder(self, client, scene, obj, user):
        return shows(client.get(reverse("reminders:inbox") + "?tab=all"), scene.problems[obj].title)
