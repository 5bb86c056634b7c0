"""监督清单's figures on 一图总览: key projects by stage and with risk points, each equal to the list it links to."""
import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse

from qingshan.core.overview import TOTAL, Scope
from qingshan.core.registry import declared
from qingshan.supervision import services
from qingshan.supervision.choices import Stage
from qingshan.supervision.overview import MEASURES
from qingshan.supervision.selectors import project_list, report_slot_list

from .conftest import submit


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
    project_measures = [m for m in MEASURES if m.key.startswith("projects_")]
    _project(w, "江岸污水厂", w.jiangan, Stage.CONSTRUCTION, ["招投标"])
    _project(w, "江岸管网", w.jiangan, Stage.CONSTRUCTION)
    _project(w, "绿水湿地", w.lvshui, Stage.APPROVAL, ["资金拨付"])
    _project(w, "全市监测站", w.city, Stage.OPERATION)
    assert {m.key for m in MEASURES} <= {m.key for m in declared("overview", "MEASURES")}
    by_key = {m.key: m for m in project_measures}
    for user in (w.leader, w.district_staff):
        scope = _scope(user)
        for measure in project_measures:
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
    assert all(m.by_district(district)[TOTAL].numerator == 0 for m in project_measures)
    # A chosen district narrows the figure and its list alike.
    chosen = _scope(w.leader, region_id=w.lvshui.pk)
    assert by_key["projects_at_risk"].by_district(chosen)[TOTAL].numerator == 1
    client.force_login(w.leader)
    response = client.get(by_key["projects_at_risk"].list_url(chosen, None))
    assert response.status_code == 200 and "绿水湿地" in response.content.decode()
    assert "江岸污水厂" not in response.content.decode()


def _listed_slots(user, url) -> int:
    split = urlsplit(url)
    assert split.path == reverse("supervision:slots")
    return report_slot_list(user=user, filters=dict(parse_qsl(split.query))).count()


def test_slot_progress_figures_equal_their_lists_by_district_and_in_total(sw, client, time_machine):
    """Monthly slots of 市水务局驻组 (city level) and 绿水区纪委: January reported on time by the group and late by the
    district; February reported by neither. As of 03-20 both months are due."""
    w = sw
    time_machine.move_to(dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    submit(w)  # the group's January slot, on time
    time_machine.move_to(dt.datetime(2026, 2, 25, 9, 0, tzinfo=dt.UTC), tick=False)
    submit(w, slot=w.district_slot, actor=w.district_staff)  # the district's January slot, late
    time_machine.move_to(dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC), tick=False)
    slot_measures = [m for m in MEASURES if m.key.startswith("slots_")]
    assert [m.key for m in slot_measures] == ["slots_on_time_rate", "slots_overdue"]
    as_of = dt.date(2026, 3, 20)
    for user, districts in ((w.leader, (w.lvshui, w.jiangan)), (w.district_staff, (w.lvshui,))):
        scope = Scope(user=user, received_from=None, received_to=None, as_of=as_of)
        for measure in slot_measures:
            values = measure.by_district(scope)
            for path, region_id in ((TOTAL, None), *((r.path, r.pk) for r in districts)):
                value = values.get(path)
                assert (value.numerator if value else 0) == _listed_slots(user, measure.list_url(scope, region_id))
                if measure.kind == "rate":
                    assert (value.denominator if value else 0) == _listed_slots(
                        user, measure.list_url(scope, region_id, "denominator")), (measure.key, path)
    leader = Scope(user=w.leader, received_from=None, received_to=None, as_of=as_of)
    rate, overdue = (m.by_district(leader) for m in slot_measures)
    assert (rate[TOTAL].numerator, rate[TOTAL].denominator) == (1, 4)
    assert (rate[w.lvshui.path].numerator, rate[w.lvshui.path].denominator) == (0, 2)
    assert (overdue[TOTAL].numerator, overdue[w.lvshui.path].numerator) == (2, 1)
    # Earlier, only January is due and nothing is overdue yet.
    early = Scope(user=w.leader, received_from=None, received_to=None, as_of=dt.date(2026, 2, 3))
    assert [m.by_district(early)[TOTAL].numerator for m in slot_measures] == [0, 0]
    # The district commission counts its own slots only.
    district = Scope(user=w.district_staff, received_from=None, received_to=None, as_of=as_of)
    assert slot_measures[0].by_district(district)[TOTAL].denominator == 2
    # The list page opens with the figure's rows.
    client.force_login(w.leader)
    response = client.get(slot_measures[1].list_url(leader, w.lvshui.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "逾期未报送" in body and "共 1 期" in body and w.lvshui_commission.name in body
