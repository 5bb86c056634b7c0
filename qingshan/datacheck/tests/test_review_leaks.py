"""Review of leaks: a hit turned into a problem later restricted to named people does not show that problem's
number to anyone else, on the triage list, the hit page or the API."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.datacheck import services
from qingshan.datacheck.models import Hit
from qingshan.problems.models import Problem
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.fixture
def confirmed(db, settings, tmp_path):
    w = setup_dc(build_world(), settings, tmp_path)
    w.load(row("A", 9))
    services.run_start(actor=w.officer, model=make_model(w))
    w.hit = services.hit_confirm(actor=w.officer, hit=Hit.objects.get())
    w.problem = Problem.objects.get(pk=w.hit.problem_id)
    return w


def _pages(client, w):
    return {
        "triage": client.get(reverse("datacheck:triage"), {"kpi": "converted"}).content.decode(),
        "hit": client.get(reverse("datacheck:hit", args=[w.hit.pk])).content.decode(),
        "api": client.get(reverse("datacheck:api_hits")).content.decode(),
    }


def test_a_restricted_problem_number_is_not_shown_to_those_it_is_restricted_from(client, confirmed):
    w = confirmed
    client.force_login(w.officer)
    assert all(w.problem.number in body for body in _pages(client, w).values())
    Problem.objects.filter(pk=w.problem.pk).update(is_restricted=True)
    w.problem.restricted_to.set([w.xinfang])
    for name, body in _pages(client, w).items():
        assert w.problem.number not in body, name
        assert reverse("problems:detail", args=[w.problem.pk]) not in body, name


def test_a_district_commission_cannot_build_a_model_over_the_city_data(db, settings, tmp_path):
    from qingshan.core.errors import ServiceError
    from qingshan.datacheck.models import CheckModel

    from .app_world import SPEC

    w = setup_dc(build_world(), settings, tmp_path)
    with pytest.raises(ServiceError, match="^数据集“dc_sites”不存在或您无权使用。$"):
        services.checkmodel_create(actor=w.district_staff, code="lvshui_copy", name="复制", spec_text=SPEC)
    assert not CheckModel.objects.exists()
    assert make_model(w).code == "dc_high_value"  # the city's own office may
