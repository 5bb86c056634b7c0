"""数据比对模型 services as a data officer meets them: runs, dedup and recurrence, triage into problems."""
import pytest
import time_machine

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.choices import HitState, RunStatus, Trigger
from qingshan.datacheck.models import CheckModel, CheckModelVersion, Hit, Run
from qingshan.problems.selectors import problem_list
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import SPEC, make_model, row, setup_dc

pytestmark = pytest.mark.django_db


@pytest.fixture
def dc(db, settings, tmp_path):
    # Not the suite's `world` fixture: the engine tests' conftest in this folder defines its own `world`.
    return setup_dc(build_world(), settings, tmp_path)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def run(world, model, **kwargs):
    result = services.run_start(actor=world.officer, model=CheckModel.objects.get(pk=model.pk), **kwargs)
    assert result.status == RunStatus.SUCCEEDED, result.error
    return result


def test_new_model_starts_disabled_and_keeps_version_one(dc):
    model = make_model(dc, enabled=False)
    assert model.enabled is False and model.version == 1
    assert CheckModelVersion.objects.filter(model=model, number=1, created_by=dc.officer).exists()
    with pytest.raises(ServiceError, match="模型尚未启用，只能试运行"):
        services.run_start(actor=dc.officer, model=model)


def test_invalid_spec_is_refused_in_chinese_and_nothing_is_saved(dc):
    bad = SPEC.replace("op: \">\"", "op: \"~\"")
    with pytest.raises(ServiceError) as refused:
        services.checkmodel_create(actor=dc.officer, code="bad_model", name="坏模型", spec_text=bad)
    assert refused.value.field == "spec_text" and "spec.threshold.op" in refused.value.message
    unknown = SPEC.replace("dataset: dc_sites", "dataset: no_such_set")
    with pytest.raises(ServiceError) as refused:
        services.checkmodel_create(actor=dc.officer, code="bad_model", name="坏模型", spec_text=unknown)
    assert "no_such_set" in refused.value.message
    assert not CheckModel.objects.exists() and not AuditEvent.objects.filter(object_type="datacheck.checkmodel")


def test_update_keeps_every_version_and_an_invalid_one_changes_nothing(dc):
    model = make_model(dc)
    services.checkmodel_update(actor=dc.officer, model=model, spec_text=SPEC.replace("limit: 5", "limit: 8"),
                               spec_format="yaml", note="提高阈值")
    with pytest.raises(ServiceError):
        services.checkmodel_update(actor=dc.officer, model=model, spec_text="kind: [", spec_format="yaml")
    model.refresh_from_db()
    assert model.version == 2 and "limit: 8" in model.spec_text
    assert list(model.versions.values_list("number", flat=True)) == [2, 1]


def test_saving_the_same_text_from_a_browser_textarea_is_not_a_new_version(dc):
    model = make_model(dc)
    services.checkmodel_update(actor=dc.officer, model=model, spec_text=SPEC.replace("\n", "\r\n"),
                               spec_format="yaml")
    model.refresh_from_db()
    assert model.version == 1 and "\r" not in model.spec_text


def test_units_and_readonly_leaders_may_not_create_or_run_models(dc):
    with pytest.raises(PermissionRefused, match="只有本级纪检监察机关的监督人员可以新建数据比对模型"):
        services.checkmodel_create(actor=dc.eco_handler, code="x", name="x", spec_text=SPEC)
    model = make_model(dc)
    with pytest.raises(PermissionRefused):
        services.run_start(actor=dc.readonly, model=model)
    assert not Run.objects.exists()


def test_a_run_records_its_figures_and_turns_subjects_into_hits(dc):
    dc.load(row("A", 9), row("A", 7, day="2026-03-02"), row("B", 1), row("C", 6))
    model = make_model(dc)
    result = run(dc, model)
    assert (result.rows_scanned, result.hit_rows, result.subjects, result.new_hits) == (4, 3, 2, 2)
    hits = {h.subject_key: h for h in Hit.objects.filter(model=model)}
    assert set(hits) == {"A", "C"}
    assert hits["A"].subject_label == "排口A" and hits["A"].hit_rows == 2 and len(hits["A"].evidence) == 2
    assert hits["A"].state == HitState.NEW and hits["A"].queue == model.default_queue
    assert hits["A"].lng is not None
    assert AuditEvent.objects.filter(object_type="datacheck.run", object_id=result.pk, action="run").exists()


def test_a_dry_run_previews_without_making_hits(dc):
    dc.load(row("A", 9))
    model = make_model(dc, enabled=False)
    result = run(dc, model, dry_run=True)
    assert result.dry_run and result.preview[0]["key"] == "A" and result.preview[0]["label"] == "排口A"
    assert not Hit.objects.exists()


def test_a_recurring_hit_updates_the_open_one_and_counts(dc):
    dc.load(row("A", 9))
    model = make_model(dc)
    first = run(dc, model)
    dc.load(row("A", 12, day="2026-03-02"))
    second = run(dc, model)
    hit = Hit.objects.get(model=model)
    assert hit.occurrences == 2 and hit.first_run == first and hit.last_run == second
    assert hit.evidence[0]["value"] in ("12.000000", 12, 12.0, "12")
    assert (second.new_hits, second.recurrences) == (0, 1)


def test_a_hit_the_data_stops_showing_stays_open_flagged(dc):
    dc.load(row("A", 9))
    model = make_model(dc)
    run(dc, model)
    dc.load(row("A", 1, day="2026-03-02"))
    run(dc, model)
    hit = Hit.objects.get(model=model)
    assert hit.state == HitState.NEW and hit.absent_in_last_run and hit.occurrences == 1


def test_a_dismissed_hit_that_recurs_opens_a_new_hit_linked_to_it(dc):
    dc.load(row("A", 9))
    model = make_model(dc)
    run(dc, model)
    old = services.hit_dismiss(actor=dc.officer, hit=Hit.objects.get(model=model), reason="设备校准误差")
    run(dc, model)
    new = Hit.objects.get(model=model, state=HitState.NEW)
    assert new.pk != old.pk and new.previous == old and new.occurrences == 1
    old.refresh_from_db()
    assert old.state == HitState.DISMISSED and old.occurrences == 1


def test_dismiss_needs_a_reason_and_changes_nothing_without_one(dc):
    dc.load(row("A", 9))
    model = make_model(dc)
    run(dc, model)
    hit = Hit.objects.get()
    with pytest.raises(ServiceError, match="排除线索须填写理由。"):
        services.hit_dismiss(actor=dc.officer, hit=hit, reason="  ")
    hit.refresh_from_db()
    assert hit.state == HitState.NEW and not AuditEvent.objects.filter(object_type="datacheck.hit").exists()


def test_confirm_turns_a_hit_into_a_problem_of_the_work_loop(dc):
    dc.load(row("A", 9))
    model = make_model(dc)
    run(dc, model)
    hit = services.hit_confirm(actor=dc.officer, hit=Hit.objects.get(), reason="超标属实")
    problem = hit.problem
    assert hit.state == HitState.CONVERTED and hit.decided_by == dc.officer
    assert problem.source.name == "数据比对模型" and problem.category == dc.water_pollution
    assert "排口A" in problem.title and "读数：9" in problem.description and problem.lng == hit.lng
    visible, _ = problem_list(user=dc.office_head, params={})
    assert problem in visible
    assert AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk, action="create").exists()
    assert AuditEvent.objects.filter(object_type="datacheck.hit", object_id=hit.pk, action="confirm",
                                     payload__problem=problem.number).exists()
    # Once confirmed, the data showing it again counts on the same hit (its problem is being handled).
    run(dc, model)
    hit.refresh_from_db()
    assert hit.occurrences == 2 and Hit.objects.count() == 1
    with pytest.raises(ServiceError, match="该线索当前状态为“已转问题”，不能转为问题。"):
        services.hit_confirm(actor=dc.officer, hit=hit)


def test_confirm_is_for_supervisors_only(dc):
    dc.load(row("A", 9))
    run(dc, make_model(dc))
    hit = Hit.objects.get()
    for user in (dc.readonly, dc.leader, dc.eco_handler):
        with pytest.raises(PermissionRefused):
            services.hit_confirm(actor=user, hit=hit)
    hit.refresh_from_db()
    assert hit.state == HitState.NEW and hit.problem is None


def test_verify_then_confirm(dc):
    dc.load(row("A", 9))
    run(dc, make_model(dc))
    hit = services.hit_verify(actor=dc.officer, hit=Hit.objects.get(), reason="请现场核实", queue="urgent")
    assert hit.state == HitState.VERIFYING and hit.queue == "urgent"
    with pytest.raises(ServiceError, match="不能转核查"):
        services.hit_verify(actor=dc.officer, hit=hit)
    hit = services.hit_confirm(actor=dc.officer, hit=hit)
    assert hit.problem.urgency == "urgent"
    assert list(AuditEvent.objects.filter(object_type="datacheck.hit", object_id=hit.pk)
                .values_list("action", flat=True)) == ["verify", "confirm"]


def test_models_that_create_problems_directly_do_so_for_new_hits(dc):
    dc.load(row("A", 9), row("B", 8))
    model = make_model(dc, create_problems=True)
    result = run(dc, model)
    assert result.problems_created == 2
    assert set(Hit.objects.values_list("state", flat=True)) == {HitState.CONVERTED}


def test_a_failing_run_is_recorded_in_chinese_and_changes_no_hit(dc, settings):
    dc.load(row("A", 9))
    model = make_model(dc)
    run(dc, model)
    settings.DATACHECK_ENGINE = "oracle"
    result = services.run_start(actor=dc.officer, model=model)
    assert result.status == RunStatus.FAILED
    assert result.error == ("未知的计算引擎“oracle”，请检查 QINGSHAN_DATACHECK_ENGINE 配置"
                            "（可选 duckdb、spark、postgresql）。")
    assert Hit.objects.get().occurrences == 1 and not Hit.objects.get().absent_in_last_run


def test_scheduled_models_run_once_per_slot(dc):
    from qingshan.datacheck.scheduled import run_due_models

    dc.load(row("A", 9))
    model = make_model(dc)
    services.checkmodel_schedule(actor=dc.officer, model=model, schedule="daily")
    model.refresh_from_db()
    assert model.next_run_at is not None
    later = model.next_run_at
    runs = run_due_models(later)
    assert [r.trigger for r in runs] == [Trigger.SCHEDULED]
    assert run_due_models(later) == []
    model.refresh_from_db()
    assert model.next_run_at > later


def test_run_models_command_runs_what_is_due(dc):
    from io import StringIO

    from django.core.management import call_command

    dc.load(row("A", 9))
    model = make_model(dc)
    services.checkmodel_schedule(actor=dc.officer, model=model, schedule="weekly")
    model.refresh_from_db()
    out = StringIO()
    with time_machine.travel(model.next_run_at):
        call_command("run_models", stdout=out)
    assert out.getvalue().strip() == "到期模型 1 个，已排入后台运行。"
    assert Run.objects.get().status == RunStatus.QUEUED and not Hit.objects.exists()
    assert run_queued_jobs() == 1  # the worker runs it, under the run limits
    assert Run.objects.get().trigger == Trigger.SCHEDULED and Hit.objects.count() == 1
