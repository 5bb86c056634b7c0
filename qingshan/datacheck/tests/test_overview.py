"""数据比对's figures on 一图总览: model hits and those turned into problems, each equal to the 研判 list it links to,
in the whole scope and in each district; a district commission counts none of the city's models' hits."""
import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.http import QueryDict
from django.urls import reverse

from qingshan.core.overview import TOTAL, Scope
from qingshan.core.registry import declared
from qingshan.datacheck import selectors, services
from qingshan.datacheck.models import Hit
from qingshan.datacheck.overview import MEASURES
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, row, setup_dc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.fixture
def hits(db, settings, tmp_path):
    """Four hits of the city's model: A and B in 江岸区 (A turned into a problem), C in 绿水区 (dismissed), D not
    located."""
    w = setup_dc(build_world(), settings, tmp_path)
    w.load(row("A", 9), row("B", 8), row("C", 6), row("D", 7))
    services.run_start(actor=w.officer, model=make_model(w))
    by_key = {h.subject_key: h for h in Hit.objects.all()}
    for key, region in (("A", w.jiangan), ("B", w.jiangan), ("C", w.lvshui), ("D", None)):
        Hit.objects.filter(pk=by_key[key].pk).update(region=region)  # where the routing would have put them
    services.hit_confirm(actor=w.officer, hit=Hit.objects.get(subject_key="A"), region=w.jiangan)
    services.hit_dismiss(actor=w.officer, hit=Hit.objects.get(subject_key="C"), reason="误报")
    return w


def _scope(user, region_id=None):
    return Scope(user=user, received_from=None, received_to=None, as_of=dt.date(2026, 3, 2), region_id=region_id)


def listed(user, url: str) -> int:
    split = urlsplit(url)
    assert split.path == reverse("datacheck:triage")
    queryset, filterset = selectors.hit_list(user=user, params=QueryDict(split.query))
    assert filterset.is_valid(), filterset.errors
    return queryset.count()


def _value(values, path, part="numerator"):
    value = values.get(path)
    return getattr(value, part) if value else 0


def test_every_figure_equals_its_list_in_the_whole_scope_and_each_district(hits):
    w = hits
    scope = _scope(w.leader)
    for measure in MEASURES:
        values = measure.by_district(scope)
        for path, region_id in ((TOTAL, None), (w.jiangan.path, w.jiangan.pk), (w.lvshui.path, w.lvshui.pk)):
            assert _value(values, path) == listed(w.leader, measure.list_url(scope, region_id)), (measure.key, path)
            if measure.kind == "rate":
                assert _value(values, path, "denominator") == listed(
                    w.leader, measure.list_url(scope, region_id, "denominator")), (measure.key, path)
    by_key = {m.key: m.by_district(scope) for m in MEASURES}
    assert _value(by_key["dc_hits"], TOTAL) == 4  # D, not located, counts in the total only
    assert (_value(by_key["dc_hits"], w.jiangan.path), _value(by_key["dc_hits"], w.lvshui.path)) == (2, 1)
    rate = by_key["dc_converted_rate"]
    assert (rate[TOTAL].numerator, rate[TOTAL].denominator) == (1, 4)
    assert (_value(rate, w.jiangan.path), _value(rate, w.lvshui.path)) == (1, 0)


def test_a_chosen_district_narrows_figures_and_lists(hits):
    w = hits
    scope = _scope(w.leader, region_id=w.lvshui.pk)
    measure = next(m for m in MEASURES if m.key == "dc_hits")
    assert measure.by_district(scope)[TOTAL].numerator == 1
    assert listed(w.leader, measure.list_url(scope, None)) == 1


def test_a_district_commission_counts_none_of_the_city_models_hits(hits):
    w = hits
    scope = _scope(w.district_staff)
    for measure in MEASURES:
        assert _value(measure.by_district(scope), TOTAL) == 0 == listed(w.district_staff,
                                                                        measure.list_url(scope, None))


def test_the_measures_join_the_overview_page(hits, client):
    assert {m.key for m in MEASURES} <= {m.key for m in declared("overview", "MEASURES")}
    client.force_login(hits.leader)
    page = client.get("/dashboards/overview/", {"as_of": "2026-03-02"}).content.decode()
    assert "命中转问题率" in page and f"{reverse('datacheck:triage')}?kpi=converted" in page
