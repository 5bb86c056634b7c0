"""The supervision pages: what each role sees, the report form without JS, review, 404s, query counts."""
import datetime as dt

import pytest
from django.urls import reverse

from qingshan.problems.models import Problem
from qingshan.supervision import services
from qingshan.supervision.choices import SlotState
from qingshan.supervision.models import Rectification

from .conftest import submit


def login(client, user):
    client.force_login(user)
    return client


def test_plan_overview_shows_themes_tasks_and_off_track_indicators(client, sw):
    w = sw
    services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value=1, read_on=dt.date(2026, 3, 1))
    page = login(client, w.leader).get(reverse("supervision:home")).content.decode()
    assert "长江大保护" in page and "长江干流岸线整治" in page and "岸线整治完成率" in page
    assert "偏离进度" in page  # 1% on 03-01, the line is at ≈16%
    assert "≥ 100" in page  # the target with its direction


def test_assignee_is_sent_to_its_own_reports_and_a_unit_is_refused(client, sw):
    w = sw
    response = login(client, w.group_staff).get(reverse("supervision:home"))
    assert response.status_code == 302 and response.url == reverse("supervision:mine")
    page = client.get(reverse("supervision:mine")).content.decode()
    assert "入河排污口整治监督" in page and "绿水区纪委监委" not in page
    assert login(client, w.eco_handler).get(reverse("supervision:home")).status_code == 403
    assert client.get(reverse("supervision:slot", args=[w.slot.pk])).status_code == 404
    assert client.get(reverse("supervision:item", args=[w.item.pk])).status_code == 404


def test_guessed_slot_of_another_assignee_is_404(client, sw):
    w = sw
    response = login(client, w.group_staff).get(reverse("supervision:slot", args=[w.district_slot.pk]))
    assert response.status_code == 404
    assert "未找到该报送，或您无权查看。" in response.content.decode()


def test_item_grid_shows_every_assignee_to_the_office_and_only_its_own_row_to_an_assignee(client, sw):
    w = sw
    page = login(client, w.officer).get(reverse("supervision:item", args=[w.item.pk])).content.decode()
    assert "驻市生态环境局纪检监察组" in page and "绿水区纪委监委" in page and "待报送（超期）" in page
    submit(w)
    page = login(client, w.district_staff).get(reverse("supervision:item", args=[w.item.pk])).content.decode()
    assert "驻市生态环境局纪检监察组" not in page and "绿水区纪委监委" in page
    # The trail shows the item's opening and the district's own slots, not the group's submission.
    assert "建账" in page and "报送</strong>" not in page
    page = login(client, w.officer).get(reverse("supervision:item", args=[w.item.pk])).content.decode()
    assert "<strong>报送</strong>" in page


def test_report_form_without_js_then_return_resubmit_approve(client, sw):
    w = sw
    url = reverse("supervision:slot_submit", args=[w.slot.pk])
    login(client, w.group_staff)
    # A bad date keeps what was typed and explains in Chinese; nothing is stored.
    response = client.post(url, {"summary": "本月核查", "act-0-kind": "site_visit", "act-0-happened_on": "2026-13-01",
                                 "act-0-note": "实地查看"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第1项监督活动的日期格式不正确。" in page and "实地查看" in page
    assert not w.slot.reports.exists()

    response = client.post(url, {
        "summary": "本月核查排污口12处", "act-0-kind": "site_visit", "act-0-happened_on": "2026-02-20",
        "act-0-note": "实地查看3号排口", "act-1-kind": "", "act-1-happened_on": "", "act-1-note": "",
        "fnd-0-title": "3号排口夜间偷排", "fnd-0-description": "暗访发现", "fnd-0-category": w.water_pollution.pk,
        "fnd-0-region": w.city.pk, "rec-0-title": "封堵3号排口", "rec-0-measures": "封堵并监控",
        "rec-0-responsible_unit": w.eco.pk, "rec-0-deadline": "2026-04-30",
    })
    assert response.status_code == 302
    w.slot.refresh_from_db()
    assert w.slot.state == SlotState.SUBMITTED
    assert Problem.objects.get().title == "3号排口夜间偷排"
    assert Rectification.objects.get().responsible_unit == w.eco

    login(client, w.officer)
    page = client.get(reverse("supervision:slot", args=[w.slot.pk])).content.decode()
    assert 'id="review-form"' in page and 'id="report-form"' not in page
    client.post(reverse("supervision:review", args=[w.slot.pk]), {"decision": "return", "comment": "请补充照片"})
    w.slot.refresh_from_db()
    assert w.slot.state == SlotState.RETURNED

    login(client, w.group_staff)
    page = client.get(reverse("supervision:slot", args=[w.slot.pk])).content.decode()
    assert "退回意见：请补充照片" in page and "将保存为第2版" in page
    assert 'value="实地查看3号排口"' in page  # the returned version's activities are offered again
    client.post(url, {"summary": "已补充", "act-0-kind": "documents", "act-0-happened_on": "2026-02-27",
                      "act-0-note": "查阅整改台账"})
    login(client, w.office_head)
    client.post(reverse("supervision:review", args=[w.slot.pk]), {"decision": "approve", "comment": ""})
    w.slot.refresh_from_db()
    assert w.slot.state == SlotState.APPROVED
    page = client.get(reverse("supervision:slot", args=[w.slot.pk])).content.decode()
    assert "第1版" in page and "第2版" in page and "已退回" in page and "已通过" in page


def test_htmx_adds_a_row_with_the_next_index(client, sw):
    w = sw
    login(client, w.group_staff)
    response = client.get(reverse("supervision:slot_row", args=[w.slot.pk, "act"]) + "?index=2",
                          HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'name="act-2-kind"' in page and "index=3" in page and 'hx-swap-oob="true"' in page
    login(client, w.officer)
    assert client.get(reverse("supervision:slot_row", args=[w.slot.pk, "act"])).status_code == 404


def test_office_creates_and_assigns_an_item_through_the_pages(client, sw):
    w = sw
    login(client, w.officer)
    response = client.post(reverse("supervision:item_create"), {
        "plan": w.plan.pk, "title": "黑臭水体整治", "content": "整治进展", "office": w.office.pk,
        "cadence": "quarterly", "period_start": "2026-01-01", "period_end": "2026-06-30", "due_days": 10})
    item = w.plan.items.get(title="黑臭水体整治")
    assert response.url == reverse("supervision:item", args=[item.pk])
    client.post(reverse("supervision:item_assign", args=[item.pk]), {"orgs": [w.group.pk]})
    assert list(item.slots.values_list("label", flat=True)) == ["2026年第1季度", "2026年第2季度"]
    response = client.post(reverse("supervision:item_create"), {
        "plan": w.plan.pk, "title": "x", "content": "y", "office": w.office.pk, "cadence": "monthly",
        "period_start": "2026-06-01", "period_end": "2026-01-01", "due_days": 5})
    assert "截止日期不能早于起始日期。" in response.content.decode()
    login(client, w.group_staff)
    assert client.get(reverse("supervision:item_create")).status_code == 403


def test_project_dossier_on_one_page(client, sw):
    w = sw
    project = services.project_create(
        actor=w.officer, plan=w.plan, name="青山河综合治理工程", responsible_unit=w.water, region=w.city,
        planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31), tasks=[w.task],
        risk_points=["招投标围标串标"])
    item = services.item_create(actor=w.officer, plan=w.plan, title="青山河工程监督", content="工程进度与资金",
                                office=w.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28),
                                project=project)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    slot = item.slots.order_by("period_start").first()
    submit(w, slot=slot, findings=[{"title": "工程款超付", "description": "超付300万元", "category": w.water_pollution,
                                    "region": w.city}])
    services.project_change_stage(actor=w.officer, project=project, stage="construction", note="开工")
    page = login(client, w.leader).get(reverse("supervision:project", args=[project.pk])).content.decode()
    for text in ("招投标围标串标", "长江干流岸线整治", "青山河工程监督", "工程款超付", "规划 → 实施", "第1版"):
        assert text in page
    assert login(client, w.group_staff).get(reverse("supervision:project", args=[project.pk])).status_code == 404


@pytest.mark.parametrize("name", ["supervision:items", "supervision:projects", "supervision:mine",
                                  "supervision:home"])
def test_list_pages_query_count_does_not_grow_with_rows(client, sw, assert_query_baseline, name):
    w = sw
    for n in range(5):
        item = services.item_create(actor=w.officer, plan=w.plan, title=f"事项{n}", content="x", office=w.office,
                                    period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31))
        services.item_assign(actor=w.officer, item=item, orgs=[w.group, w.lvshui_commission])
        services.project_create(actor=w.officer, plan=w.plan, name=f"项目{n}", responsible_unit=w.water,
                                region=w.city, planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31))
        services.indicator_create(actor=w.officer, task=w.task, name=f"指标{n}", baseline=0, target=10,
                                  direction="ge", start_date=dt.date(2026, 1, 1), deadline=dt.date(2026, 12, 31))
    user = w.group_staff if name == "supervision:mine" else w.officer
    login(client, user)
    with assert_query_baseline("list page"):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_item_page_query_count(client, sw, assert_query_baseline):
    w = sw
    login(client, w.officer)
    with assert_query_baseline("item page"):
        assert client.get(reverse("supervision:item", args=[w.item.pk])).status_code == 200


def test_small_forms_post_through_their_services(client, sw):
    w = sw
    login(client, w.officer)
    client.post(reverse("supervision:reading_add", args=[w.indicator.pk]), {"value": "20", "read_on": "2026-03-01",
                                                                           "source": "月报"})
    w.indicator.refresh_from_db()
    assert w.indicator.latest_value == 20
    response = client.post(reverse("supervision:reading_add", args=[w.indicator.pk]), {"value": "x"}, follow=True)
    assert "请填写数值和日期。" in response.content.decode()
    response = client.post(reverse("supervision:urge", args=[w.slot.pk]), {"note": "请于本周内报送"}, follow=True)
    assert "已催办。" in response.content.decode() and "已催办 1 次" in response.content.decode()
    submit(w, rectifications=[{"title": "封堵排口", "measures": "封堵", "responsible_unit": w.eco,
                               "deadline": dt.date(2026, 4, 30)}])
    entry = Rectification.objects.get()
    response = client.post(reverse("supervision:rectification_update", args=[entry.pk]),
                           {"status": "done", "note": "现场核查通过", "closed_on": "2026-03-01"}, follow=True)
    assert "整改情况已更新。" in response.content.decode()
    entry.refresh_from_db()
    assert entry.closed_on == dt.date(2026, 3, 1)
    login(client, w.group2_staff)
    assert client.post(reverse("supervision:urge", args=[w.slot.pk]), {"note": "x"}).status_code == 404


def test_review_queue_lists_reports_submitted_to_the_office(client, sw, assert_query_baseline):
    w = sw
    submit(w)
    submit(w, slot=w.district_slot, actor=w.district_staff)
    login(client, w.officer)
    with assert_query_baseline("review queue"):
        page = client.get(reverse("supervision:reviews")).content.decode()
    assert page.count("入河排污口整治监督") == 2 and "迟报" in page
    page = login(client, w.group_staff).get(reverse("supervision:mine")).content.decode()
    assert "待审核" not in page and "计划与重点任务" not in page
    assert client.get(reverse("supervision:reviews")).status_code == 403
