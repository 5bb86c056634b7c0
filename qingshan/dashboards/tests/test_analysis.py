"""一键分析 on the planted data set of planted.py: it names the planted outliers and nothing else, every linked figure
equals its list, the rules are data an administrator edits (validated, audited), scope rules as the overview's."""
import datetime as dt
import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.documents import docx_text
from qingshan.core.errors import PermissionRefused
from qingshan.core.overview import Scope
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.dashboards.analysis.engine import analyse, comparison_scopes
from qingshan.dashboards.analysis.models import AnalysisRule, ReportJob
from qingshan.dashboards.analysis.rules import rule_save
from qingshan.problems.selectors import problem_list

from .planted import PERIOD, planted_world

URL = "/dashboards/analysis/"
EXPECTED = {
    ("received_yoy", "全部"),
    ("on_time_closure_yoy", "全部"),
    ("unit_on_time_closure", "市农业农村局"),
    ("unit_rejection", "市自然资源局"),
    ("district_on_time_closure", "青岭区"),
    ("overdue_units", "市农业农村局、江岸区城管局"),
    ("rejected_units", "市自然资源局"),
}


def scope_of(user, region_id=None) -> Scope:
    return Scope(user=user, received_from=dt.date(2026, 3, 1), received_to=dt.date(2026, 3, 31),
                 as_of=dt.date(2026, 4, 30), region_id=region_id)


@pytest.fixture
def planted(world):
    world.planted = planted_world(world)
    return world


def found(analysis) -> set[tuple[str, str]]:
    return {(f.rule, f.subject) for f in analysis.findings}


def listed(user, url: str) -> int:
    problems, filterset = problem_list(user=user, params=QueryDict(urlsplit(url).query))
    assert filterset.is_valid(), (url, filterset.errors)
    return problems.count()


def test_names_the_planted_outliers_and_nothing_else(planted):
    analysis = analyse(scope_of(planted.officer))
    assert found(analysis) == EXPECTED
    texts = {f.rule: f.text for f in analysis.findings}
    assert texts["unit_on_time_closure"].startswith(
        "市农业农村局按期办结率为30.0%（3/10），低于其他6个单位的中位数100.0%")
    assert "青岭区按期办结率为66.7%（12/18）" in texts["district_on_time_closure"]
    assert texts["received_yoy"] == "受理数为74件，较去年同期（2025年3月1日至2025年3月31日）的40件上升85.0%。"
    assert "下降14.9个百分点" in texts["on_time_closure_yoy"]
    assert "市农业农村局7件、江岸区城管局4件" in texts["overdue_units"]


def test_the_unit_chart_marks_the_named_unit(planted):
    bars = analyse(scope_of(planted.officer)).unit_chart
    assert [b["name"] for b in bars if b["flagged"]] == ["市农业农村局"]
    assert bars[0]["name"] == "市农业农村局" and bars[0]["value"] == 30.0 and bars[0]["detail"] == "3/10"
    assert len(bars) == 7  # 江岸区城管局 has 4 problems to judge, below the chart's minimum of 5
    assert listed(planted.officer, bars[0]["url"]) == 10


def test_every_linked_figure_equals_its_list(planted):
    analysis = analyse(scope_of(planted.officer))
    checked = 0
    for finding in analysis.findings:
        assert finding.queries, finding.text
        for part in finding.parts:
            if part.url:
                number = int(re.sub(r"[^\d]", "", part.text.split(".")[0]) or 0)
                if part.text.endswith("%"):
                    continue  # a rate's own text is not a link; its parts are
                assert listed(planted.officer, part.url) == number, (finding.text, part)
                checked += 1
    assert checked >= 15


def test_previous_period_and_year_earlier():
    scope = Scope(user=None, received_from=dt.date(2024, 3, 1), received_to=dt.date(2024, 3, 31),
                  as_of=dt.date(2024, 4, 30))
    previous, last_year = comparison_scopes(scope)
    assert (previous.received_from, previous.received_to, previous.as_of) == (
        dt.date(2024, 1, 30), dt.date(2024, 2, 29), dt.date(2024, 3, 30))
    leap = Scope(user=None, received_from=dt.date(2024, 2, 29), received_to=dt.date(2024, 2, 29),
                 as_of=dt.date(2024, 2, 29))
    assert comparison_scopes(leap)[1].received_from == dt.date(2023, 2, 28)


def test_a_district_commission_reads_only_its_district(planted):
    analysis = analyse(scope_of(planted.district_staff))
    # 绿水区 alone: 14 problems of March, no peers to compare with, nothing of the other districts.
    assert all("青岭区" not in f.text and "江岸区" not in f.text for f in analysis.findings)
    assert not [f for f in analysis.findings if f.rule.startswith("district_")]
    for finding in analysis.findings:
        for part in finding.parts:
            if part.url and not part.text.endswith("%"):
                assert listed(planted.district_staff, part.url) == listed(planted.officer, part.url + "&region="
                                                                          + str(planted.lvshui.pk))


def test_page_links_every_figure_and_units_get_403(client, planted):
    client.force_login(planted.officer)
    response = client.get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    for rule, _subject in EXPECTED:
        assert f'data-rule="{rule}"' in html
    assert reverse("dashboards:unit_health", args=[planted.planted.u7.pk]) in html
    client.force_login(planted.eco_handler)
    assert client.get(URL, PERIOD).status_code == 403
    assert client.post(report_url()).status_code == 403
    assert not ReportJob.objects.exists()


def test_bad_dates_are_refused_in_chinese(client, planted):
    client.force_login(planted.officer)
    response = client.get(URL, {**PERIOD, "received_from": "2026-04-01"})
    assert response.status_code == 400
    assert "受理日期起不能晚于受理日期止" in response.content.decode()
    response = client.post(report_url(as_of="明天"))
    assert response.status_code == 400
    assert "请输入有效的日期" in response.content.decode()
    assert not ReportJob.objects.exists()


def report_url(**params) -> str:
    return f"{reverse('dashboards:analysis_report')}?{urlencode(PERIOD | params)}"


def test_word_report_is_built_by_the_worker_and_says_what_the_page_says(client, planted):
    client.force_login(planted.officer)
    response = client.post(report_url())
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dashboards:report_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "hx-trigger" in page  # the page follows the job until it ends
    assert client.get(reverse("dashboards:report_file", args=[job.pk])).status_code == 404  # not ready yet
    assert run_queued_jobs() == 1
    page = client.get(reverse("dashboards:report_job", args=[job.pk])).content.decode()
    assert "报告已生成" in page and "hx-trigger" not in page
    response = client.get(reverse("dashboards:report_file", args=[job.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(object_type="dashboards.report_job", object_id=job.pk,
                                     action__in=["request", "done"]).count() == 2
    # Only the person who asked may follow or download it.
    client.force_login(planted.leader)
    assert client.get(reverse("dashboards:report_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("dashboards:report_file", args=[job.pk])).status_code == 404
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = docx_text(response.content)
    analysis = analyse(scope_of(planted.officer))
    for finding in analysis.findings:
        assert finding.text in text
    assert "一键分析报告" in text and "数据口径" in text
    assert "kpi" not in text and "口径=overdue" in text


def test_rules_are_data_an_administrator_edits(planted, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    rule = AnalysisRule.objects.get(code="overdue_units")
    rule.threshold = 5
    rule_save(actor=admin, rule=rule)
    subjects = dict(found(analyse(scope_of(planted.officer))))
    assert subjects["overdue_units"] == "市农业农村局"
    event = AuditEvent.objects.filter(object_type="dashboards.analysis_rule", object_id=rule.pk).latest("pk")
    assert event.payload["before"]["threshold"] == "3.00" and event.payload["after"]["threshold"] == "5.00"

    rule = AnalysisRule.objects.get(code="unit_rejection")
    rule.enabled = False
    rule_save(actor=admin, rule=rule)
    assert "unit_rejection" not in {f.rule for f in analyse(scope_of(planted.officer)).findings}


def test_bad_rules_are_refused_and_change_nothing(planted, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    rule = AnalysisRule.objects.get(code="unit_on_time_closure")
    events = AuditEvent.objects.count()
    rule.measure = "overdue"  # a count cannot be compared across units of different sizes
    with pytest.raises(ValidationError) as error:
        rule_save(actor=admin, rule=rule)
    assert "异常类规则只能比较比率指标" in str(error.value)
    rule = AnalysisRule.objects.get(code="unit_on_time_closure")
    rule.min_peers = 2
    with pytest.raises(ValidationError, match="至少设为 3"):
        rule_save(actor=admin, rule=rule)
    with pytest.raises(PermissionRefused):
        rule_save(actor=planted.officer, rule=AnalysisRule.objects.get(code="unit_on_time_closure"))
    assert AuditEvent.objects.count() == events
    assert AnalysisRule.objects.get(code="unit_on_time_closure").measure == "on_time_closure_rate"


def test_admin_form_shows_the_rule_check(client, planted, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    rule = AnalysisRule.objects.get(code="overdue_units")
    url = reverse("admin:dashboards_analysisrule_change", args=[rule.pk])
    data = {"code": rule.code, "name": rule.name, "kind": rule.kind, "measure": "received", "threshold": "3",
            "min_base": 5, "min_peers": 5, "min_gap": "10", "enabled": "on", "sort_order": 1}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "该类型规则的指标只能是“超期数”" in response.content.decode()
    response = client.post(url, data | {"measure": "overdue", "threshold": "4"})
    assert response.status_code == 302
    assert AnalysisRule.objects.get(pk=rule.pk).threshold == 4
    assert AuditEvent.objects.filter(object_type="dashboards.analysis_rule", object_id=rule.pk).exists()


def test_a_district_commissions_report_counts_only_its_district(client, planted):
    client.force_login(planted.district_staff)
    client.post(report_url())
    run_queued_jobs()
    job = ReportJob.objects.get()
    text = docx_text(bytes(ReportJob.objects.get(pk=job.pk).content))
    assert job.requested_by == planted.district_staff
    assert "青岭区" not in text and "市农业农村局" not in text


def test_an_interrupted_job_is_failed_for_resubmission(client, planted):
    from qingshan.core.jobs import INTERRUPTED
    from qingshan.dashboards.analysis.reports import report_interrupted

    client.force_login(planted.officer)
    client.post(report_url())
    job = ReportJob.objects.get()
    report_interrupted(job.pk)
    page = client.get(reverse("dashboards:report_job", args=[job.pk])).content.decode()
    assert "失败" in page and INTERRUPTED in page


def test_queries_do_not_grow_with_units(planted, django_assert_max_num_queries):
    scope = scope_of(planted.officer)
    # 12, and on PostgreSQL up to 2 more while the planted problems are still listed for the fold (counted live)
    with django_assert_max_num_queries(14 if connection.vendor == "postgresql" else 12):
        analyse(scope)
