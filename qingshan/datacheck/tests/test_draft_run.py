"""草稿试运行: 试运行 in the model editor runs the text in the editor, unsaved, validated as a save validates it."""
import hashlib

import pytest
import time_machine
from django.urls import reverse

from qingshan.api.testing import issue_test_token
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.choices import RunStatus
from qingshan.datacheck.models import CheckModel, CheckModelVersion, Hit, Run
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import SITES, SPEC, make_model, row, setup_dc

pytestmark = pytest.mark.django_db

LOWER = SPEC.replace("limit: 5", "limit: 3")  # the edit: B (4) now offends too
BAD_OP = SPEC.replace('op: ">"', 'op: "~"')
UNKNOWN_SET = SPEC.replace("dataset: dc_sites", "dataset: no_such_set")


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


@pytest.fixture
def dc(db, settings, tmp_path):
    # Not the suite's `world` fixture: the engine tests' conftest in this folder defines its own `world`.
    world = setup_dc(build_world(), settings, tmp_path)
    world.load(row("A", 9), row("B", 4), row("C", 1))
    world.model = make_model(world, enabled=False)  # saved v1: limit 5, only A offends
    return world


def fresh(model):
    return CheckModel.objects.get(pk=model.pk)


def keys(run):
    return sorted(s["key"] for s in run.preview)


def editor(spec_text, **fields):
    """What the model page's editor posts."""
    return {"name": "排口读数超标", "description": "", "spec_format": "yaml", "spec_text": spec_text,
            "default_queue": "verify", "problem_category": "", "note": "", **fields}


def run_events():
    return AuditEvent.objects.filter(object_type="datacheck.run")


# ---------------------------------------------------------------- the service


def test_a_draft_dry_run_shows_hits_the_saved_version_does_not_and_saves_no_version(dc):
    saved = services.run_start(actor=dc.officer, model=fresh(dc.model), dry_run=True)
    draft = services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=LOWER, spec_format="yaml")
    assert saved.status == draft.status == RunStatus.SUCCEEDED, (saved.error, draft.error)
    assert keys(saved) == ["A"] and keys(draft) == ["A", "B"] and draft.subjects == 2
    assert draft.dry_run and draft.is_draft and not saved.is_draft
    assert draft.draft_spec == {"spec_text": LOWER, "spec_format": "yaml"} and draft.version.number == 1
    model = fresh(dc.model)
    assert model.version == 1 and model.spec_text == SPEC and CheckModelVersion.objects.filter(model=model).count() == 1
    assert not Hit.objects.exists()
    event = run_events().get(object_id=draft.pk)
    assert event.actor == dc.officer and event.payload["dry_run"] is True and event.payload["version"] == 1
    assert event.payload["draft"] is True
    assert event.payload["draft_sha256"] == hashlib.sha256(LOWER.encode()).hexdigest()
    assert "draft" not in run_events().get(object_id=saved.pk).payload


def test_untouched_editor_text_is_a_dry_run_of_the_saved_version_not_a_draft(dc):
    crlf = SPEC.replace("\n", "\r\n")  # as a browser posts a textarea
    run = services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=crlf, spec_format="yaml")
    assert run.status == RunStatus.SUCCEEDED and run.dry_run and not run.is_draft and keys(run) == ["A"]
    assert "draft" not in run_events().get(object_id=run.pk).payload


@pytest.mark.parametrize("text", [BAD_OP, UNKNOWN_SET, "kind: [", "  "])
def test_invalid_draft_text_is_refused_with_the_saves_message_and_records_no_run(dc, text):
    with pytest.raises(ServiceError) as on_save:
        services.checkmodel_update(actor=dc.officer, model=fresh(dc.model), spec_text=text, spec_format="yaml")
    with pytest.raises(ServiceError) as on_draft:
        services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=text, spec_format="yaml")
    assert on_draft.value.message == on_save.value.message and on_draft.value.field == "spec_text"
    assert not Run.objects.exists() and not run_events().exists()
    assert fresh(dc.model).version == 1


def test_an_unknown_format_is_refused_like_a_save(dc):
    with pytest.raises(ServiceError, match="模型定义格式只能是 YAML 或 JSON") as refused:
        services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=LOWER, spec_format="toml")
    assert refused.value.field == "spec_format" and not Run.objects.exists()


def test_who_may_not_run_the_model_may_not_dry_run_a_draft(dc):
    for user in (dc.readonly, dc.eco_handler):
        with pytest.raises(PermissionRefused, match="可以运行数据比对模型"):
            services.run_draft(actor=user, model=fresh(dc.model), spec_text=LOWER, spec_format="yaml")
    assert not Run.objects.exists() and not run_events().exists()


def test_a_draft_that_fails_in_the_engine_is_recorded_as_a_failed_draft_run(dc, settings):
    settings.DATACHECK_ENGINE = "no_such_engine"
    run = services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=LOWER, spec_format="yaml")
    assert run.status == RunStatus.FAILED and "未知的计算引擎" in run.error and run.is_draft
    assert run_events().get(object_id=run.pk).payload["draft"] is True


def test_a_district_draft_cannot_read_the_citys_data_set_through_a_cte_out_of_scope(dc):
    """The city's dc_sites is not the district's to read: a CTE named like its table (ds_dc_sites) inside a subquery
    must not let the same name outside that subquery read the table unchecked into the preview."""
    from qingshan.datasets.services import dataset_define

    dataset_define(actor=dc.district_staff, spec=dict(SITES, code="lv_sites", name="绿水排口"))
    own = SPEC.replace("code: dc_high_value", "code: lv_high").replace("dataset: dc_sites", "dataset: lv_sites")
    model = services.checkmodel_create(actor=dc.district_staff, code="lv_high", name="绿水排口超标", spec_text=own)
    trick = own.replace("kind: threshold", "kind: custom_sql").replace(
        'threshold: {value: value, op: ">", limit: 5}',
        'custom_sql: {sql: "SELECT c.site, c.site_name, c.day FROM lv_sites AS l '
        'JOIN (WITH ds_dc_sites AS (SELECT 1 AS k) SELECT k FROM ds_dc_sites) AS y ON 1 = 1 '
        'RIGHT JOIN ds_dc_sites AS c ON 1 = 1"}').replace("location: {lng: lng, lat: lat}\n", "").replace(
        "dataset: lv_sites\n", "").replace("label: site_name", "label: site")
    with pytest.raises(ServiceError, match="未知的数据集“ds_dc_sites”"):
        services.run_draft(actor=dc.district_staff, model=model, spec_text=trick, spec_format="yaml")
    assert not Run.objects.exists()


# ---------------------------------------------------------------- the editor


def test_dry_run_in_the_editor_previews_the_edited_text_and_keeps_it_in_the_editor(client, dc):
    client.force_login(dc.officer)
    page = client.get(reverse("datacheck:model", args=[dc.model.pk])).content.decode()
    draft_url = reverse("datacheck:model_action", args=[dc.model.pk, "draft_run"])
    assert f'formaction="{draft_url}"' in page  # the 试运行 button submits the editor's text
    response = client.post(draft_url, editor(LOWER, name="改过的名称"))
    body = response.content.decode()
    assert response.status_code == 200
    run = Run.objects.get()
    assert run.is_draft and run.status == RunStatus.QUEUED and "试运行排队中" in body  # the worker runs it
    run_queued_jobs()
    run.refresh_from_db()
    assert keys(run) == ["A", "B"]
    # The editor page's preview polls the run page for its #preview, which now shows the draft's hits.
    preview = client.get(reverse("datacheck:run", args=[run.pk])).content.decode()
    assert "草稿试运行" in preview and "排口B" in preview
    form = response.context["form"]
    assert form["spec_text"].value() == LOWER and form["name"].value() == "改过的名称"
    # The editor shows the user's text, not the saved one; 保存为新版本 still posts to the model page.
    assert "limit: 3}" in body and "limit: 5}" not in body and "改过的名称" in body
    assert f'action="{reverse("datacheck:model", args=[dc.model.pk])}"' in body
    model = fresh(dc.model)
    assert model.version == 1 and model.spec_text == SPEC and model.name == "排口读数超标"

    run_page = client.get(reverse("datacheck:run", args=[run.pk])).content.decode()
    assert "草稿试运行" in run_page and "未保存的草稿，基于 v1" in run_page and "limit: 3" in run_page


def test_invalid_text_in_the_editor_shows_the_saves_chinese_error_and_records_no_run(client, dc):
    client.force_login(dc.officer)
    saved = client.post(reverse("datacheck:model", args=[dc.model.pk]), editor(BAD_OP))
    drafted = client.post(reverse("datacheck:model_action", args=[dc.model.pk, "draft_run"]), editor(BAD_OP))
    assert saved.status_code == drafted.status_code == 400
    assert drafted.context["form"].errors == saved.context["form"].errors
    assert "spec.threshold.op" in drafted.context["form"].errors["spec_text"][0]
    assert drafted.context["form"]["spec_text"].value() == BAD_OP
    assert not Run.objects.exists() and fresh(dc.model).version == 1


def test_a_blank_name_does_not_stop_a_dry_run_of_the_spec(client, dc):
    client.force_login(dc.officer)
    response = client.post(reverse("datacheck:model_action", args=[dc.model.pk, "draft_run"]), editor(LOWER, name=""))
    assert response.status_code == 200 and not response.context["form"].errors
    run_queued_jobs()
    assert keys(Run.objects.get()) == ["A", "B"]


def test_a_readonly_leader_cannot_dry_run_a_draft_from_the_editor(client, dc):
    client.force_login(dc.readonly)
    page = client.get(reverse("datacheck:model", args=[dc.model.pk])).content.decode()
    assert 'id="draft-run"' not in page
    response = client.post(reverse("datacheck:model_action", args=[dc.model.pk, "draft_run"]), editor(LOWER))
    assert response.status_code == 400
    assert "只有本级纪检监察机关的监督人员可以运行数据比对模型。" in response.content.decode()
    assert not Run.objects.exists()


def test_units_get_not_found(client, dc):
    client.force_login(dc.eco_handler)
    response = client.post(reverse("datacheck:model_action", args=[dc.model.pk, "draft_run"]), editor(LOWER))
    assert response.status_code == 404 and not Run.objects.exists()


def test_the_saved_versions_dry_run_still_works_in_the_api_and_says_it_was_no_draft(client, dc):
    token = issue_test_token(dc.officer)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    draft = services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=LOWER, spec_format="yaml")
    response = client.post(reverse("datacheck:api_run_start", args=[dc.model.pk]), {"dry_run": True},
                           content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["draft_spec"] is None
    run_queued_jobs()
    ran = client.get(reverse("datacheck:api_run", args=[response.json()["id"]]), **auth).json()
    assert [s["key"] for s in ran["preview"]] == ["A"]
    status = client.get(reverse("datacheck:api_run", args=[draft.pk]), **auth).json()
    assert status["draft_spec"]["spec_text"] == LOWER and status["version"] == 1


# ---------------------------------------------------------------- sampling by the join key

LIMITS = {
    "code": "dc_limits", "name": "测试排口限值", "key": ["site"], "subject": ["site"],
    "columns": [{"name": "site", "type": "string", "label": "排口编码", "required": True},
                {"name": "max_value", "type": "decimal", "label": "许可限值"}],
}
AGAINST_LIMITS = SPEC.replace(
    'threshold: {value: value, op: ">", limit: 5}',
    'threshold: {value: value, op: ">", reference: {dataset: dc_limits, join: {site: site}, value: max_value}}')


def test_a_two_set_draft_previews_the_planted_hits_that_first_rows_would_never_meet(dc, settings):
    """1,500 readings of sites without a permit limit (a threshold against the limits set cannot judge them) and 4 of
    permitted sites; a dry run judges 20 rows. A sample of the readings taken without regard to the limits set
    (the first 20 rows) all but never holds a permitted site and previewed nothing; the sample by the join key takes
    rows that meet the limits set, so the two planted offenders show in the preview."""
    from qingshan.datacheck.engine import compile_model
    from qingshan.datasets.models import Dataset
    from qingshan.datasets.selectors import engine_catalog
    from qingshan.datasets.services import dataset_define, dataset_load_rows

    settings.DATACHECK_DRY_RUN_ROWS = 20
    limits = dataset_define(actor=dc.officer, spec=LIMITS)
    unpermitted = [row(f"P5-{i:04d}", 50) for i in range(1500)]  # within the permitted keys' range
    permitted = [row("P1", 9), row("P2", 2), row("P8", 30), row("P9", 4)]
    dc.load(*unpermitted, *permitted)
    dataset_load_rows(actor=dc.officer, dataset=Dataset.objects.get(pk=limits.pk), rows=[
        {"site": "P1", "max_value": 5}, {"site": "P2", "max_value": 5}, {"site": "P8", "max_value": 20},
        {"site": "P9", "max_value": 5}, {"site": "NONE", "max_value": 1}])
    draft = services.run_draft(actor=dc.officer, model=fresh(dc.model), spec_text=AGAINST_LIMITS,
                               spec_format="yaml")
    assert draft.status == RunStatus.SUCCEEDED, draft.error
    assert keys(draft) == ["P1", "P8"] and draft.is_draft and draft.rows_scanned == 20 + 5
    compiled = compile_model(AGAINST_LIMITS, engine_catalog())
    assert compiled.sample_join() == ("dc_limits", {"site": "site"})
    assert "EXISTS" in compiled.sql("duckdb", sample_limit=20)
    # A single-set model keeps the first-rows sample.
    assert compile_model(SPEC, engine_catalog()).sample_join() is None
