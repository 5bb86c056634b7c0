"""Review of leaks: a hit turned into a problem later restricted to named people does not show that problem's
number to anyone else, on the triage list, the hit page or the API."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.core.testing.scope import ScopeMatrix, shows
from qingshan.datacheck import services
from qingshan.datacheck.models import Hit
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import restrict_only_to
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


class TestConfirmedHitScope(ScopeMatrix):
    """Two hits confirmed into problems; the problem of the second is then restricted to the 信访 officer."""

    objects = ("plain", "restricted")
    sees = {"officer": {"plain"}, "xinfang": {"plain", "restricted"}}
    surfaces = ("triage", "hit", "api")

    @pytest.fixture
    def scene(self, db, settings, tmp_path):
        w = setup_dc(build_world(), settings, tmp_path)
        w.load(row("A", 9), row("B", 9))
        services.run_start(actor=w.officer, model=make_model(w))
        w.hits = {name: services.hit_confirm(actor=w.officer, hit=Hit.objects.get(subject_key__contains=site))
                  for name, site in (("plain", "A"), ("restricted", "B"))}
        w.problems = {name: Problem.objects.get(pk=hit.problem_id) for name, hit in w.hits.items()}
        restrict_only_to(w.problems["restricted"], w.xinfang)
        return w

    def _shows_problem(self, response, scene, obj):
        problem = scene.problems[obj]
        return shows(response, problem.number, reverse("problems:detail", args=[problem.pk]))

    def see_triage(self, client, scene, obj, user):
        return self._shows_problem(client.get(reverse("datacheck:triage"), {"kpi": "converted"}), scene, obj)

    def see_hit(self, client, scene, obj, user):
        return self._shows_problem(client.get(reverse("datacheck:hit", args=[scene.hits[obj].pk])), scene, obj)

    def see_api(self, client, scene, obj, user):
        return self._shows_problem(client.get(reverse("datacheck:api_hits")), scene, obj)


def test_a_district_commission_cannot_build_a_model_over_the_city_data(db, settings, tmp_path):
    from qingshan.core.errors import ServiceError
    from qingshan.datacheck.models import CheckModel

    from .app_world import SPEC

    w = setup_dc(build_world(), settings, tmp_path)
    with pytest.raises(ServiceError, match="^数据集“dc_sites”不存在或您无权使用。$"):
        services.checkmodel_create(actor=w.district_staff, code="lvshui_copy", name="复制", spec_text=SPEC)
    assert not CheckModel.objects.exists()
    assert make_model(w).code == "dc_high_value"  # the city's own office may
