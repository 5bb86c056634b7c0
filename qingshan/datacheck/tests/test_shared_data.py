"""Models only over what the runner may see (issues 9 and 10): a district commission models over a city data set only
while it is shared; a run (on demand, or on schedule as the model's owner) re-checks every data set it reads."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.choices import RunStatus, Schedule, Trigger
from qingshan.datacheck.models import CheckModel, Hit, Run
from qingshan.datacheck.scheduled import run_due_models
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.services import dataset_define, dataset_load_rows
from qingshan.datasets.sharing import dataset_share, dataset_unshare
from qingshan.problems.testing.world import build_world

from .app_world import SPEC, row, setup_dc

REFUSED = "^郑区纪委无权查看模型读取的数据集“测试排口读数”，不能运行该模型。"
DISTRICT_SPEC = SPEC.replace("code: dc_high_value", "code: lv_over_city").replace("owner: 第一监督检查室",
                                                                                   "owner: 绿水区纪委监委")
pytestmark = pytest.mark.usefixtures("app_today")


@pytest.fixture
def dc(db, settings, tmp_path):
    w = setup_dc(build_world(), settings, tmp_path)
    w.load(row("S1", 9), row("S2", 1))
    return w


def share(dc):
    return dataset_share(actor=dc.officer, dataset=dc.sites, org=dc.lvshui_commission, reason="绿水区专项检查")


def district_model(dc):
    return services.checkmodel_create(actor=dc.district_staff, code="lv_over_city", name="绿水区用市级排口数据",
                                      spec_text=DISTRICT_SPEC)


def test_a_district_commission_may_not_save_a_model_over_an_unshared_city_data_set(dc):
    with pytest.raises(ServiceError, match="数据集“dc_sites”不存在或您无权使用"):
        district_model(dc)
    assert not CheckModel.objects.exists()


def test_once_shared_the_district_models_and_runs_over_it_and_a_revocation_stops_its_runs(dc):
    grant = share(dc)
    model = district_model(dc)
    model = services.checkmodel_set_enabled(actor=dc.district_staff, model=model, enabled=True)
    run = services.run_start(actor=dc.district_staff, model=model)
    assert run.status == RunStatus.SUCCEEDED and Hit.objects.filter(model=model).count() == 1

    dataset_unshare(actor=dc.officer, dataset=dc.sites, share_id=grant.pk)
    runs = Run.objects.count()
    for dry_run in (True, False):
        with pytest.raises(PermissionRefused, match=REFUSED):
            services.run_start(actor=dc.district_staff, model=model, dry_run=dry_run)
    assert Run.objects.count() == runs


def test_after_a_revocation_the_district_no_longer_sees_the_model_nor_its_hits(client, dc):
    grant = share(dc)
    model = services.checkmodel_set_enabled(actor=dc.district_staff, model=district_model(dc), enabled=True)
    services.run_start(actor=dc.district_staff, model=model)
    hit = Hit.objects.get(model=model)
    client.force_login(dc.district_staff)
    assert "排口S1" in client.get(reverse("datacheck:triage")).content.decode()

    dataset_unshare(actor=dc.officer, dataset=dc.sites, share_id=grant.pk)
    assert "排口S1" not in client.get(reverse("datacheck:triage")).content.decode()
    assert client.get(reverse("datacheck:hit", args=[hit.pk])).status_code == 404
    assert client.get(reverse("datacheck:model", args=[model.pk])).status_code == 404
    assert client.get(reverse("api:datacheck-hits")).json()["count"] == 0
    # The city, whose data it is, still sees the district's model and its hits.
    client.force_login(dc.officer)
    assert client.get(reverse("datacheck:hit", args=[hit.pk])).status_code == 200


def test_a_scheduled_run_of_an_owner_who_lost_access_is_refused_recorded_and_audited(dc):
    grant = share(dc)
    model = services.checkmodel_set_enabled(actor=dc.district_staff, model=district_model(dc), enabled=True)
    model = services.checkmodel_schedule(actor=dc.district_staff, model=model, schedule=Schedule.DAILY)
    dataset_unshare(actor=dc.officer, dataset=dc.sites, share_id=grant.pk)

    with time_machine.travel(model.next_run_at, tick=False):
        [run] = run_due_models()
    assert run.trigger == Trigger.SCHEDULED and run.status == RunStatus.FAILED
    assert run.error.startswith("郑区纪委无权查看模型读取的数据集“测试排口读数”，不能运行该模型。")
    assert not Hit.objects.filter(model=model).exists()
    event = AuditEvent.objects.get(object_type="datacheck.checkmodel", object_id=model.pk, action="run_refused")
    assert event.reason == run.error and event.payload["run"] == run.pk


def test_a_scheduled_run_of_an_owner_who_still_sees_the_data_runs(dc):
    share(dc)
    model = services.checkmodel_set_enabled(actor=dc.district_staff, model=district_model(dc), enabled=True)
    model = services.checkmodel_schedule(actor=dc.district_staff, model=model, schedule=Schedule.DAILY)
    with time_machine.travel(model.next_run_at, tick=False):
        [run] = run_due_models()
        run_queued_jobs()  # scheduled runs are queued for the worker
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.new_hits == 1


def test_the_data_migration_records_what_existing_models_read(dc):
    from importlib import import_module

    from django.apps import apps

    model = services.checkmodel_create(actor=dc.officer, code="dc_high_value", name="排口读数超标", spec_text=SPEC)
    CheckModel.objects.filter(pk=model.pk).update(subject_columns=[], subject_label_column="")
    model.datasets.clear()  # as before the migration

    import_module("qingshan.datacheck.migrations.0004_record_what_each_model_reads").record_reads(apps, None)

    model.refresh_from_db()
    assert list(model.datasets.values_list("code", flat=True)) == ["dc_sites"]
    assert (model.subject_columns, model.subject_label_column) == (["site"], "site_name")


LIMITS = {
    "code": "dc_limits", "name": "测试排口限值", "key": ["site"], "subject": ["site"],
    "columns": [{"name": "site", "type": "string", "label": "排口编码", "required": True},
                {"name": "max_value", "type": "decimal", "label": "限值"}],
}
TWO_SET_SPEC = DISTRICT_SPEC.replace(
    'threshold: {value: value, op: ">", limit: 5}',
    'threshold: {value: value, op: ">", reference: {dataset: dc_limits, join: {site: site}, value: max_value}}')


def test_a_run_re_checks_every_set_it_reads_not_only_its_main_one(dc):
    """The district keeps the readings but loses the limits the model compares them with: the run (on demand, dry
    or scheduled) is refused naming the set it lost, and nothing is written."""
    limits = dataset_define(actor=dc.officer, spec=LIMITS)
    dataset_load_rows(actor=dc.officer, dataset=limits, mode=ImportMode.REPLACE,
                      rows=[{"site": "S1", "max_value": "5"}, {"site": "S2", "max_value": "5"}])
    share(dc)
    grant = dataset_share(actor=dc.officer, dataset=limits, org=dc.lvshui_commission, reason="绿水区专项检查")
    model = services.checkmodel_create(actor=dc.district_staff, code="lv_over_city", name="绿水区用市级限值",
                                       spec_text=TWO_SET_SPEC)
    model = services.checkmodel_set_enabled(actor=dc.district_staff, model=model, enabled=True)
    assert services.run_start(actor=dc.district_staff, model=model).status == RunStatus.SUCCEEDED
    model = services.checkmodel_schedule(actor=dc.district_staff, model=CheckModel.objects.get(pk=model.pk),
                                         schedule=Schedule.DAILY)
    hits, runs = Hit.objects.count(), Run.objects.count()

    dataset_unshare(actor=dc.officer, dataset=limits, share_id=grant.pk)
    lost = "^郑区纪委无权查看模型读取的数据集“测试排口限值”，不能运行该模型。"
    for dry_run in (True, False):
        with pytest.raises(PermissionRefused, match=lost):
            services.run_start(actor=dc.district_staff, model=model, dry_run=dry_run)
    assert Run.objects.count() == runs
    with time_machine.travel(model.next_run_at, tick=False):
        [run] = run_due_models()
    assert run.status == RunStatus.FAILED and run.error.startswith(lost[1:])
    assert Hit.objects.count() == hits
