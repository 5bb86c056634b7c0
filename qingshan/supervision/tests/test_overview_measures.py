"""监督清单's figures on 一图总览: key projects by stage and with risk points, each equal to the list it links to."""
import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse

from qingshan.core.overview import TOTAL, Scope
from qingshan.core.registry import declared
from qingshan.supervision import services
from qingshan.supervision.choices import Stage
from qingshan.supervision.overview import MEASURES
from qingshan.supervision.selectors import project_list


def _project(w, name, region, stage, risks=()):
    return services.project_create(actor=w.officer, plan=w.plan, name=name, responsible_unit=w.water, region=region,
                                   planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31), stage=stage,
                                   risk_points=risks)


def _scope(user, region_id=None):
    return Scope(user=user, received_from=None, received_to=None, as_of=dt.date(2026, 3, 2), region_id=region_id)


def _listed(user, url) -> int:
    split = urlsplit(url)
    assert split.path == reverse("supervision:projects")
    return project_list(user=user, filters=dict(parse_qsl(split.query))).count()


def test_project_figures_equal_their_lists_by_district_and_in_total(sw, client):
    w = sw
    _project(w, "江岸污水厂", w.jiangan, Stage.CONSTRUCTION, ["招投标"])
    _project(w, "江岸管网", w.jiangan, Stage.CONSTRUCTION)
    _project(w, "绿水湿地", w.lvshui, Stage.APPROVAL, ["资金拨付"])
    _project(w, "全市监测站", w.city, Stage.OPERATION)
    assert {m.key for m in MEASURES} <= {m.key for m in declared("overview", "MEASURES")}
    by_key = {m.key: m for m in MEASURES}
    for user in (w.leader, w.district_staff):
        scope = _scope(user)
        for measure in MEASURES:
            values = measure.by_district(scope)
            assert values[TOTAL].numerator == _listed(user, measure.list_url(scope, None)), measure.key
            for district in (w.jiangan, w.lvshui):
                figure = values.get(district.path)
                assert (figure.numerator if figure else 0) == _listed(user, measure.list_url(scope, district.pk))
    leader = _scope(w.leader)
    assert by_key["projects_construction"].by_district(leader)[w.jiangan.path].numerator == 2
    assert by_key["projects_at_risk"].by_district(leader)[TOTAL].numerator == 2
    assert by_key["projects_operation"].by_district(leader)[TOTAL].numerator == 1  # city level: in the total only
    # The district commission does not see the city plan's projects: its figures (and lists) are empty.
    district = _scope(w.district_staff)
    assert all(m.by_district(district)[TOTAL].numerator == 0 for m in MEASURES)
    # A chosen district narrows the figure and its list alike.
    chosen = _scope(w.leader, region_id=w.lvshui.pk)
    assert by_key["projects_at_risk"].by_district(chosen)[TOTAL].numerator == 1
    client.force_login(w.leader)
    response = client.get(by_key["projects_at_risk"].list_url(chosen, None))
    assert response.status_code == 200 and "绿水湿地" in response.content.decode()
    assert "江岸污水厂" not in response.content.decode()
