"""A producing unit's solid-waste dossier (issue 16): its chain month by month from the waste data sets, the
model's hit on its month, the red gap, and whether the batches still verify."""
import pytest
import time_machine

from qingshan.datacheck import services
from qingshan.datacheck.catalogue import CATALOGUE_DIR, catalogue_models
from qingshan.datacheck.models import CheckModel
from qingshan.datasets.models import Dataset
from qingshan.datasets.services import dataset_load_rows, sync_schema_files
from qingshan.datasets.storage import duckdb_connect
from qingshan.problems.models import Source
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .test_catalogue_waste import broken_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def waste_world(db, settings, tmp_path):
    settings.DATASETS_DIR = tmp_path / "datasets"
    settings.DATACHECK_ENGINE = "duckdb"
    with time_machine.travel(WORLD_NOW, tick=True):
        w = build_world()
        Source.objects.create(code="model", name="数据比对模型")
        sync_schema_files([CATALOGUE_DIR / "datasets" / "waste.yaml", CATALOGUE_DIR / "datasets" / "transport.yaml"])
        rows = broken_chain()
        for code in ("waste_manifests", "waste_generation", "waste_licences", "gps_points"):
            dataset_load_rows(actor=None, dataset=Dataset.objects.get(code=code), rows=rows[code])
        spec = next(m for m in catalogue_models() if m.code == "waste_mass_balance").spec_text
        model = services.checkmodel_create(actor=w.officer, code="waste_mass_balance", name="物料平衡", spec_text=spec,
                                           problem_category=w.water_pollution)
        model = services.checkmodel_set_enabled(actor=w.officer, model=model, enabled=True)
        services.run_start(actor=w.officer, model=CheckModel.objects.get(pk=model.pk))
        yield w


def test_the_dossier_shows_the_chain_month_by_month(waste_world, client):
    client.force_login(waste_world.officer)
    page = client.get("/datacheck/waste/P2/").content.decode()
    assert "固体废物档案：产废单位P2" in page and "W4" in page and "2026 年 03 月" in page
    assert 'text-danger fw-bold">4.000000' in page  # 2 + 10 − 8 − 0 t unaccounted in the ledger
    assert "物料平衡" in page  # the model's hit on P2|202603, linked
    assert "证据自导入后未被改动" in page
    page = client.get("/datacheck/waste/P1/").content.decode()
    assert "未接收" in page and "text-danger fw-bold" not in page
    with duckdb_connect(read_only=False) as con:
        con.execute("UPDATE ds_waste_manifests SET received_weight_t = 8.5 WHERE manifest_no = 'W4'")
    assert "证据所在批次未通过校验" in client.get("/datacheck/waste/P2/").content.decode()


def test_the_hit_page_links_to_the_producers_dossier(waste_world, client):
    from qingshan.datacheck.models import Hit

    hit = Hit.objects.get(model__code="waste_mass_balance", subject_key="P2|202603")
    client.force_login(waste_world.officer)
    page = client.get(f"/datacheck/hits/{hit.pk}/").content.decode()
    assert 'href="/datacheck/waste/P2/"' in page and "查看产生单位的固体废物档案" in page


def test_units_and_strangers_see_no_dossier(waste_world, client):
    client.force_login(waste_world.officer)
    assert client.get("/datacheck/waste/NOPE/").status_code == 404
    for stranger in (waste_world.eco_handler, waste_world.district_staff, waste_world.outsider):
        client.force_login(stranger)
        assert client.get("/datacheck/waste/P2/").status_code == 404, stranger.username
