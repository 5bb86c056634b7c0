"""数据比对 pages and API as users meet them: who sees what, the editor, triage with htmx, KPIs equal to their lists."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.api.testing import issue_test_token
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.choices import HitState
from qingshan.datacheck.models import CheckModel, Hit, Run
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import SPEC, make_model, row, setup_dc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.fixture
def dc(db, settings, tmp_path):
    # Not the suite's `world` fixture: the engine tests' conftest in this folder defines its own `world`.
    return setup_dc(build_world(), settings, tmp_path)


@pytest.fixture
def with_hits(dc):
    """A model run once over three offending sites (A, C located) and one clean one."""
    dc.load(row("A", 9), row("B", 1), row("C", 6, lng=117.0, lat=30.0), row("D", 7))
    dc.model = make_model(dc)
    services.run_start(actor=dc.officer, model=dc.model)
    dc.hits = {h.subject_key: h for h in Hit.objects.all()}
    return dc


def login(client, user):
    client.force_login(user)
    return client


def test_home_lists_models_and_kpis_for_the_commission(client, with_hits):
    body = login(client, with_hits.readonly).get(reverse("datacheck:home")).content.decode()
    assert "排口读数超标" in body and 'id="kpi-hits"' in body
    assert "新建模型" not in body  # a read-only leader looks, does not act
    assert f'href="{reverse("datasets:list")}"' in body  # the data behind the models is one click away


def test_unit_and_partner_users_see_nothing(client, with_hits):
    run = Run.objects.get()
    hit = with_hits.hits["A"]
    pages = [reverse("datacheck:home"), reverse("datacheck:triage"), reverse("datacheck:model", args=[run.model_id]),
             reverse("datacheck:run", args=[run.pk]), reverse("datacheck:hit", args=[hit.pk])]
    for user in (with_hits.eco_handler, with_hits.partner_staff, with_hits.outsider):
        login(client, user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(reverse("datacheck:hit_action", args=[hit.pk, "confirm"]))
        assert response.status_code == 404
    assert Hit.objects.get(pk=hit.pk).state == HitState.NEW


def test_stationed_group_staff_open_the_pages_but_see_no_commission_model(client, with_hits):
    login(client, with_hits.group_staff)
    home = client.get(reverse("datacheck:home"))
    assert home.status_code == 200 and "尚无数据比对模型" in home.content.decode()
    assert client.get(reverse("datacheck:triage")).context["page"].paginator.count == 0
    assert client.get(reverse("datacheck:hit", args=[with_hits.hits["A"].pk])).status_code == 404


def test_api_refuses_units_as_not_found_and_lists_nothing(client, with_hits):
    token = issue_test_token(with_hits.eco_handler)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    run = Run.objects.get()
    assert client.get(reverse("datacheck:api_run", args=[run.pk]), **auth).status_code == 404
    assert client.post(reverse("datacheck:api_run_start", args=[run.model_id]), **auth).status_code == 404
    assert client.get(reverse("datacheck:api_hits"), **auth).json()["count"] == 0


def test_api_starts_a_run_reads_its_status_and_lists_hits_with_a_token(client, with_hits):
    token = issue_test_token(with_hits.officer)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    response = client.post(reverse("datacheck:api_run_start", args=[with_hits.model.pk]), {"dry_run": False},
                           content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "queued" and data["trigger"] == "api"  # the worker runs it
    assert run_queued_jobs() == 1
    status = client.get(reverse("datacheck:api_run", args=[data["id"]]), **auth).json()
    assert status["status"] == "succeeded" and status["recurrences"] == 3
    assert status["rows_scanned"] == 4 and status["subjects"] == 3
    hits = client.get(reverse("datacheck:api_hits"), {"state": "new"}, **auth).json()
    assert hits["count"] == 3 and {h["subject_key"] for h in hits["results"]} == {"A", "C", "D"}
    assert all(h["occurrences"] == 2 for h in hits["results"])


def test_api_refuses_a_real_run_of_a_disabled_model_but_allows_a_dry_run(client, dc):
    dc.load(row("A", 9))
    model = make_model(dc, enabled=False)
    token = issue_test_token(dc.officer)
    url = reverse("datacheck:api_run_start", args=[model.pk])
    refused = client.post(url, {"dry_run": False}, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Token {token}")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "模型尚未启用，只能试运行。请先试运行检查结果，再启用模型。"
    assert not Run.objects.exists()
    dry = client.post(url, {"dry_run": True}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    assert dry.status_code == 201 and dry.json()["status"] == "queued"
    run_queued_jobs()
    done = client.get(reverse("datacheck:api_run", args=[dry.json()["id"]]), HTTP_AUTHORIZATION=f"Token {token}")
    assert done.json()["preview"][0]["key"] == "A" and not Hit.objects.exists()


def test_api_run_of_a_readonly_leader_is_refused_in_chinese(client, with_hits):
    token = issue_test_token(with_hits.readonly)
    response = client.post(reverse("datacheck:api_run_start", args=[with_hits.model.pk]),
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有本级纪检监察机关的监督人员可以运行数据比对模型。"


def test_creating_a_model_in_the_editor_starts_it_disabled(client, dc):
    login(client, dc.officer)
    response = client.post(reverse("datacheck:model_create"), {
        "code": "dc_high_value", "name": "排口读数超标", "spec_format": "yaml", "spec_text": SPEC,
        "default_queue": "rectify"})
    model = CheckModel.objects.get()
    assert response.status_code == 302 and not model.enabled
    body = client.get(reverse("datacheck:model", args=[model.pk])).content.decode()
    assert "未启用" in body and "试运行" in body


def test_a_catalogue_model_is_picked_prefilled_and_registered_as_from_the_catalogue(client, dc):
    from qingshan.datacheck.catalogue import catalogue_model, dataset_schema_files
    from qingshan.datasets.services import sync_schema_files

    sync_schema_files(dataset_schema_files())
    entry = catalogue_model("penalty_repeat")
    login(client, dc.officer)
    page = client.get(reverse("datacheck:model_create"), {"catalogue": entry.code})
    form = page.context["form"]
    assert form.initial["code"] == entry.code and form.initial["spec_text"] == entry.spec_text
    response = client.post(reverse("datacheck:model_create"), {
        "code": entry.code, "name": entry.name, "spec_format": "yaml", "spec_text": entry.spec_text,
        "default_queue": entry.queue})
    assert response.status_code == 302
    model = CheckModel.objects.get(code=entry.code)
    assert model.origin == "catalogue" and not model.enabled
    assert entry.code not in [m.code for m in client.get(reverse("datacheck:model_create")).context["catalogue"]]


def test_an_invalid_spec_shows_the_chinese_error_in_the_editor_and_saves_nothing(client, dc):
    login(client, dc.officer)
    response = client.post(reverse("datacheck:model_create"), {
        "code": "dc_bad", "name": "坏模型", "spec_format": "yaml", "spec_text": SPEC.replace("limit: 5", "limit: [1]"),
        "default_queue": "rectify"})
    assert response.status_code == 200
    assert "spec.threshold.limit" in response.content.decode()
    assert not CheckModel.objects.exists()


def test_dry_run_preview_with_htmx(client, dc):
    dc.load(row("A", 9))
    model = make_model(dc, enabled=False)
    response = login(client, dc.officer).post(reverse("datacheck:model_action", args=[model.pk, "dry_run"]),
                                              HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # The partial waits for the worker and polls the run page for its own part until the run has finished.
    run = Run.objects.get()
    assert response.status_code == 200 and 'id="preview"' in body and "<html" not in body
    assert "试运行排队中：已提交后台运行" in body and f'hx-get="{reverse("datacheck:run", args=[run.pk])}"' in body
    run_queued_jobs()
    polled = client.get(reverse("datacheck:run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "排口A" in polled and 'hx-select="#preview"' not in polled and not Hit.objects.exists()


def test_enable_then_run_now_from_the_model_page(client, dc):
    dc.load(row("A", 9))
    model = make_model(dc, enabled=False)
    login(client, dc.officer)
    client.post(reverse("datacheck:model_action", args=[model.pk, "enable"]))
    response = client.post(reverse("datacheck:model_action", args=[model.pk, "run"]))
    run = Run.objects.get(dry_run=False)
    assert response.status_code == 302 and response["Location"] == reverse("datacheck:run", args=[run.pk])
    waiting = client.get(response["Location"]).content.decode()
    assert "已提交后台运行" in waiting and "排队中：等待后台工作进程开始运行" in waiting
    assert 'hx-trigger="every 1s"' in waiting
    run_queued_jobs()
    body = client.get(response["Location"]).content.decode()
    assert "扫描行数" in body and "已完成" in body and "运行完成：命中 1 个对象，新增线索 1 条" in body
    assert 'hx-trigger="every 1s"' not in body


def test_triage_confirm_with_htmx_answers_with_the_row_and_a_problem_link(client, with_hits):
    hit = with_hits.hits["A"]
    login(client, with_hits.officer)
    response = client.post(reverse("datacheck:hit_action", args=[hit.pk, "confirm"]),
                           {"category": with_hits.water_pollution.pk}, HTTP_HX_REQUEST="true")
    hit.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith(f'<tr id="hit-{hit.pk}"')
    assert hit.problem.number in body and hit.state == HitState.CONVERTED
    assert hit.problem.number in client.get(reverse("problems:list")).content.decode()


def test_triage_dismiss_without_a_reason_says_so_and_changes_nothing(client, with_hits):
    hit = with_hits.hits["A"]
    login(client, with_hits.officer)
    response = client.post(reverse("datacheck:hit_action", args=[hit.pk, "dismiss"]), {"reason": ""},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "排除线索须填写理由。" in response.content.decode()
    assert Hit.objects.get(pk=hit.pk).state == HitState.NEW
    response = client.post(reverse("datacheck:hit_action", args=[hit.pk, "dismiss"]), {"reason": "已整改"})
    assert response.status_code == 302 and Hit.objects.get(pk=hit.pk).state == HitState.DISMISSED


def test_hit_page_shows_evidence_and_a_map_for_located_hits(client, with_hits):
    login(client, with_hits.officer)
    body = client.get(reverse("datacheck:hit", args=[with_hits.hits["C"].pk])).content.decode()
    assert 'id="evidence"' in body and "排口C" in body and 'id="hit-map"' in body
    assert "http" not in body.split('id="hit-map"')[1].split("</svg>")[0].replace("http://www.w3.org", "")


def test_triage_filters_by_queue_model_and_state(client, with_hits):
    services.hit_verify(actor=with_hits.officer, hit=with_hits.hits["A"], queue="urgent")
    login(client, with_hits.officer)
    body = client.get(reverse("datacheck:triage"), {"queue": "urgent"}).content.decode()
    assert f'id="hit-{with_hits.hits["A"].pk}"' in body and f'id="hit-{with_hits.hits["C"].pk}"' not in body
    body = client.get(reverse("datacheck:triage"), {"state": "new", "model": with_hits.model.pk}).content.decode()
    assert f'id="hit-{with_hits.hits["A"].pk}"' not in body and f'id="hit-{with_hits.hits["C"].pk}"' in body


def test_kpi_figures_equal_their_lists(client, with_hits):
    services.hit_confirm(actor=with_hits.officer, hit=with_hits.hits["A"])
    services.hit_dismiss(actor=with_hits.officer, hit=with_hits.hits["C"], reason="误报")
    login(client, with_hits.officer)
    home = client.get(reverse("datacheck:home"))
    kpis = home.context["kpis"]
    assert (kpis.hits, kpis.converted, kpis.decided, kpis.open) == (3, 1, 2, 1)
    assert kpis.converted_share == 33.3 and kpis.confirmed_share == 50.0
    for key, expected in {"hits": 3, "converted": 1, "decided": 2, "open": 1}.items():
        listed = client.get(reverse("datacheck:triage"), {"kpi": key})
        assert listed.context["page"].paginator.count == expected, key


def test_triage_list_query_count_does_not_grow_with_rows(client, with_hits, assert_query_baseline):
    login(client, with_hits.officer)
    client.get(reverse("datacheck:triage"))  # warm the session and profile caches
    with_hits.load(*[row(f"S{i:03d}", 9) for i in range(40)])
    services.run_start(actor=with_hits.officer, model=with_hits.model)
    with assert_query_baseline("triage page"):
        response = client.get(reverse("datacheck:triage"))
    assert response.context["page"].paginator.count == 43
    # The second page is still the queue of what waits for a person (not every hit ever found).
    services.hit_dismiss(actor=with_hits.officer, hit=with_hits.hits["A"], reason="误报")
    assert client.get(reverse("datacheck:triage"), {"page": 2}).context["page"].paginator.count == 42


def test_home_query_count_does_not_grow_with_models(client, with_hits, assert_query_baseline):
    login(client, with_hits.officer)
    client.get(reverse("datacheck:home"))
    for n in range(5):
        make_model(with_hits, code=f"dc_copy_{n}")
    with assert_query_baseline("home page"):
        response = client.get(reverse("datacheck:home"))
    assert len(response.context["models"]) == 6
