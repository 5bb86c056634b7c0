"""The rectification measures of 一图总览: each figure, in the whole scope and in each district, equals the length of
the 整改清单 it links to; a district commission counts its own district only; a unit's overview has nothing of ours;
the measures join the overview page through the registry."""
import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict

from qingshan.core.overview import TOTAL, Scope
from qingshan.core.registry import declared
from qingshan.rectification import selectors, services
from qingshan.rectification.choices import State
from qingshan.rectification.overview import MEASURES
from qingshan.rectification.testing.flows import drive_to, new_item

AS_OF = dt.date(2026, 7, 15)  # after the items' deadline of 2026-06-30: the open ones are overdue


@pytest.fixture
def items(rw):
    """In 绿水区: one planning (overdue as of AS_OF), one closed, one closed then rebounded; in 江岸区: one
    planning with a later deadline. As of AS_OF the overdue one carries a 红牌."""
    new_item(rw)
    drive_to(rw, State.CLOSED)
    rebounded = drive_to(rw, State.CLOSED)
    services.item_rebound(actor=rw.group_staff, item=rebounded, note="再次发现超标。", deadline=dt.date(2026, 8, 31))
    services.item_create(actor=rw.officer, campaign=rw.campaign, title="江岸区河道垃圾", feedback="河道垃圾",
                         region=rw.jiangan, lead_unit=rw.jiangan_urban, deadline=dt.date(2026, 9, 30))
    services.warnings_refresh(today=AS_OF)  # the daily job: the 绿水区 planning item is past its deadline, so 红牌
    return rw


def listed(user, url: str) -> int:
    return selectors.item_list(user=user, params=QueryDict(urlsplit(url).query)).count()


def _check_every_figure(user, regions):
    scope = Scope(user=user, received_from=None, received_to=None, as_of=AS_OF)
    checked = 0
    for measure in MEASURES:
        values = measure.by_district(scope)
        for path, region_id in [(TOTAL, None), *((r.path, r.pk) for r in regions)]:
            value = values.get(path)
            numerator = value.numerator if value else 0
            assert listed(user, measure.list_url(scope, region_id)) == numerator, (measure.key, path)
            if measure.kind == "rate":
                denominator = value.denominator if value else 0
                assert listed(user, measure.list_url(scope, region_id, "denominator")) == denominator
            checked += 1
    return scope, checked


def test_every_figure_equals_its_list_in_the_whole_scope_and_each_district(items):
    w = items
    scope, checked = _check_every_figure(w.leader, [w.lvshui, w.jiangan])
    assert checked == len(MEASURES) * 3
    total = {m.key: m.by_district(scope)[TOTAL] for m in MEASURES}
    # By hand: 4 items, 1 closed (the rebounded one reopened), 1 rebound, the 绿水区 planning item overdue.
    assert (total["rect_completion_rate"].numerator, total["rect_completion_rate"].denominator) == (1, 4)
    assert [total[k].numerator for k in ("rect_accepted", "rect_closed", "rect_overdue", "rect_rebound",
                                         "rect_red")] == [1, 1, 1, 1, 1]
    assert m_value(scope, "rect_red", w.lvshui.path) == 1 and m_value(scope, "rect_red", w.jiangan.path) == 0
    assert m_value(scope, "rect_overdue", w.jiangan.path) == 0  # 江岸区's deadline is later


def m_value(scope, key, path):
    value = next(m for m in MEASURES if m.key == key).by_district(scope).get(path)
    return value.numerator if value else 0


def test_a_district_commission_counts_its_own_district_only(items):
    w = items
    scope, _ = _check_every_figure(w.district_staff, [w.lvshui])
    completion = next(m for m in MEASURES if m.key == "rect_completion_rate").by_district(scope)[TOTAL]
    assert completion.denominator == 3  # 江岸区's item is not theirs


def test_a_chosen_region_narrows_the_figures_and_their_lists(items):
    w = items
    scope = Scope(user=w.leader, received_from=None, received_to=None, as_of=AS_OF, region_id=w.jiangan.pk)
    measure = next(m for m in MEASURES if m.key == "rect_completion_rate")
    assert measure.by_district(scope)[TOTAL].denominator == 1
    assert listed(w.leader, measure.list_url(scope, None, "denominator")) == 1


def test_the_measures_are_declared_through_the_registry_and_shown_on_the_overview(items, client):
    keys = {m.key for m in declared("overview", "MEASURES")}
    assert {m.key for m in MEASURES} <= keys
    client.force_login(items.leader)
    page = client.get("/dashboards/overview/", {"as_of": AS_OF.isoformat()}).content.decode()
    assert "整改完成率" in page and "整改销号" in page and "/rectification/items/?kpi=closed" in page
