"""The demo generator: each catalogue model finds exactly the anomalies the generator says it planted."""
import datetime as dt
import random

import duckdb
import pytest

from qingshan.datacheck.catalogue import catalog_infos, catalogue_models, dataset_specs
from qingshan.datacheck.engine import DuckDBEngine, compile_model, execute
from qingshan.demo.catalogue_data import generate

END = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalogue-demo")
    con = duckdb.connect(str(folder / "datasets.duckdb"))
    try:
        planted = generate(con, rng=random.Random(2026), end=END, scale=0.2)
    finally:
        con.close()
    engine = DuckDBEngine(folder / "datasets.duckdb", folder / "runs.duckdb")
    yield planted, engine
    engine.close()


def test_every_model_has_planted_anomalies_and_every_data_set_rows(demo):
    planted, _ = demo
    assert set(planted) == {m.code for m in catalogue_models()}
    assert all(count >= 2 for count in planted.values())
    assert all(rows > 0 for rows in planted.rows.values())
    assert planted.rows["water_sections"] == 12 and planted.rows["water_readings"] == 12 * 12 * 8


@pytest.mark.parametrize("model", catalogue_models(), ids=lambda m: m.code)
def test_model_finds_exactly_the_planted_subjects(model, demo):
    planted, engine = demo
    outcome = execute(compile_model(model.spec_text, catalog_infos()), engine, run_id=f"demo_{model.code}")
    assert outcome.subject_count == planted[model.code]


def test_generation_is_deterministic():
    def build(seed):
        con = duckdb.connect()
        planted = generate(con, rng=random.Random(seed), end=END, scale=0.05)
        digest = {code: con.execute(f'SELECT count(*), sum(hash(t)) FROM "ds_{code}" t').fetchone()
                  for code in dataset_specs()}
        con.close()
        return dict(planted), digest

    assert build(5) == build(5)
    assert build(5)[1] != build(6)[1]


def test_loader_target_receives_every_data_set():
    received = {}

    def loader(code, relation):
        received[code] = len(relation.fetchall())

    planted = generate(loader, rng=random.Random(1), end=END, scale=0.05)
    assert received == planted.rows


@pytest.mark.django_db
def test_django_loader_defines_and_loads_through_the_datasets_app(settings, tmp_path):
    from qingshan.datasets.models import Dataset
    from qingshan.demo.catalogue_data import django_loader

    settings.DATASETS_DIR = tmp_path / "datasets"
    planted = generate(django_loader(), rng=random.Random(3), end=END, scale=0.05)
    stored = dict(Dataset.objects.values_list("code", "row_count"))
    assert stored == planted.rows
    assert stored["gps_points"] > 500 and stored["air_hourly"] > 0
