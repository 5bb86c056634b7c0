"""The unit 体检报告 on the planted data set: its dimensions against the peers' median, its links, its red items,
its narrative, its Word file, and who may open it (the supervising side over the unit; never a unit)."""
import datetime as dt
from urllib.parse import urlencode, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse

from qingshan.core.documents import docx_text
from qingshan.core.overview import Scope
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.dashboards.analysis.health import unit_health
from qingshan.dashboards.analysis.models import ReportJob
from qingshan.instruments import services as instrument_services
from qingshan.problems.selectors import problem_list
from qingshan.rectification.testing.flows import add_rect_world, new_item

from .planted import PERIOD, planted_world


@pytest.fixture
def planted(world):
    world.planted = planted_world(world)
    return world


def scope_of(user) -> Scope:
    return Scope(user=user, received_from=dt.date(2026, 3, 1), received_to=dt.date(2026, 3, 31),
                 as_of=dt.date(2026, 4, 30))


def dims(health) -> dict:
    return {d.key: d for d in health.dimensions}


def url(unit, name="dashboards:unit_health"):
    return reverse(name, args=[unit.pk])


def report_url(unit, **params) -> str:
    return f"{reverse('dashboards:unit_health_report', args=[unit.pk])}?{urlencode(PERIOD | params)}"


def test_the_outlier_unit_stands_out_on_its_radar(planted):
    health = unit_health(scope=scope_of(planted.officer), unit=planted.planted.u7)
    by_key = dims(health)
    assert [d.label for d in health.dimensions] == ["签收及时", "办结按期", "发回重办", "催办", "整改进度", "问责",
                                                    "模型命中"]
    assert by_key["closure"].score == pytest.approx(30.0)
    assert by_key["closure"].peer_median == pytest.approx(100.0)  # 6 units at 100 %, 江岸区城管局 at 0 %
    assert by_key["closure"].value_text == "30.0%（3/10）"
    assert by_key["sign"].score == by_key["sign"].peer_median == 100.0
    assert by_key["rejection"].peer_median == 100.0  # 100 − 发回重办率: only 市自然资源局 was rejected
    assert health.red_problem_count == 1 and len(health.red_problems) == 1
    assert any("办结按期（30分，中位数100分）" in s for s in health.narrative)
    radar = health.radar()
    assert radar["unit"][1] == 30.0 and radar["peers"][1] == 100.0


def test_each_figure_links_to_its_list(planted):
    health = unit_health(scope=scope_of(planted.officer), unit=planted.planted.u7)
    by_key = dims(health)

    def listed(href):
        problems, _ = problem_list(user=planted.officer, params=QueryDict(urlsplit(href).query))
        return problems.count()

    assert listed(by_key["closure"].url) == 10  # the denominator of 按期办结率: closed or overdue
    assert listed(by_key["sign"].url) == 10
    assert listed(health.red_problems_url) == health.red_problem_count == 1
    assert sum(m["received"] for m in health.months) == 10


def test_rectification_and_accountability_are_read_through_their_selectors(planted):
    w = add_rect_world(planted)
    new_item(w)  # led by 市生态环境局, not completed
    instrument_services.accountability_create(actor=w.officer, form="interview", decided_on=dt.date(2026, 3, 20),
                                              summary="约谈市生态环境局主要负责人", organisations=[w.eco])
    health = unit_health(scope=scope_of(w.officer), unit=w.eco)
    by_key = dims(health)
    assert by_key["rectification"].value_text == "0/1项已完成" and by_key["rectification"].score == 0.0
    assert by_key["accountability"].value_text == "1条问责记录"
    assert by_key["accountability"].score == 0.0  # the most held to account among its peers
    assert len(health.accountability) == 1 and "约谈" in health.accountability[0].text
    # A peer never held to account scores full marks.
    other = unit_health(scope=scope_of(w.officer), unit=w.water)
    assert dims(other)["accountability"].score == 100.0


def test_who_may_open_a_report(client, planted):
    u7 = planted.planted.u7
    client.force_login(planted.officer)
    response = client.get(url(u7), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="health-radar"' in html and "市农业农村局履职体检报告" in html
    assert client.get(reverse("dashboards:units")).content.decode().count("/health/") >= 8
    # A district commission: the units of its district only; another unit's report is "not found".
    client.force_login(planted.district_staff)
    assert client.get(url(planted.lvshui_housing), PERIOD).status_code == 200
    assert client.get(url(u7), PERIOD).status_code == 404
    # A stationed group: the unit it is stationed at.
    client.force_login(planted.group_staff)
    assert client.get(url(planted.eco), PERIOD).status_code == 200
    assert client.get(url(u7), PERIOD).status_code == 404
    # A unit: not even its own (the peers' medians come from problems it may not see).
    client.force_login(planted.eco_handler)
    assert client.get(url(planted.eco), PERIOD).status_code == 403
    assert client.post(report_url(planted.eco)).status_code == 403
    assert client.get(reverse("dashboards:units")).status_code == 403


def test_word_report_and_print_layout(client, planted):
    client.force_login(planted.officer)
    u7 = planted.planted.u7
    response = client.post(report_url(u7))
    assert response.status_code == 302
    assert run_queued_jobs() == 1
    job = ReportJob.objects.get()
    assert job.unit == u7 and job.status == "done"
    response = client.get(reverse("dashboards:report_file", args=[job.pk]))
    text = docx_text(response.content)
    assert "市农业农村局履职体检报告" in text
    assert "30.0%（3/10）" in text and "红色督办未办结问题 1 件" in text
    health = unit_health(scope=scope_of(planted.officer), unit=u7)
    for sentence in health.narrative:
        assert sentence in text
    page = client.get(url(u7), PERIOD).content.decode()
    assert "analysis.css" in page and "data-print" in page
    response = client.post(report_url(u7, received_to="2026-02-01"))
    assert response.status_code == 400 and "受理日期起不能晚于受理日期止" in response.content.decode()
    # Another unit's report, outside the district commission's reach, is not even queued.
    client.force_login(planted.district_staff)
    assert client.post(report_url(u7)).status_code == 404
    assert ReportJob.objects.count() == 1


def test_queries_do_not_grow_with_units_or_items(planted, django_assert_max_num_queries):
    # Peers, rectification, accountability and hits are each one grouped query, whatever the number of units.
    with django_assert_max_num_queries(16):
        unit_health(scope=scope_of(planted.officer), unit=planted.planted.u7)
