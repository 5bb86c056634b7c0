"""Shared set-up for the app tests (test_app_*.py): the test world, the 数据比对模型 source, a small data set of
site readings in a DuckDB folder of the test's own, and a threshold model over it."""
from qingshan.datacheck import services
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.models import Dataset
from qingshan.datasets.services import dataset_define, dataset_load_rows
from qingshan.problems.models import Source

SITES = {
    "code": "dc_sites",
    "name": "测试排口读数",
    "key": ["site", "day"],
    "subject": ["site"],
    "location": {"lng": "lng", "lat": "lat"},
    "columns": [
        {"name": "site", "type": "string", "label": "排口编码", "required": True},
        {"name": "site_name", "type": "string", "label": "排口名称"},
        {"name": "day", "type": "date", "label": "日期", "required": True},
        {"name": "value", "type": "decimal", "label": "读数"},
        {"name": "lng", "type": "double", "label": "经度"},
        {"name": "lat", "type": "double", "label": "纬度"},
    ],
}

SPEC = """\
code: dc_high_value
name: 排口读数超标
kind: threshold
version: 1
owner: 第一监督检查室
dataset: dc_sites
subject: {columns: [site], label: site_name}
evidence: [site, site_name, day]
location: {lng: lng, lat: lat}
threshold: {value: value, op: ">", limit: 5}
"""


def row(site, value, day="2026-03-01", name=None, lng=117.30, lat=30.20):
    return {"site": site, "site_name": name or f"排口{site}", "day": day, "value": value, "lng": lng, "lat": lat}


def setup_dc(world, settings, tmp_path):
    """The world plus the source, the data set and a helper to (re)load it (each test module's `dc` fixture)."""
    settings.DATASETS_DIR = tmp_path / "datasets"
    settings.DATACHECK_ENGINE = "duckdb"
    world.model_source = Source.objects.create(code="model", name="数据比对模型")
    world.sites = dataset_define(actor=world.officer, spec=SITES)

    def load(*rows, mode=ImportMode.REPLACE):
        dataset_load_rows(actor=world.officer, dataset=Dataset.objects.get(pk=world.sites.pk), rows=list(rows),
                          mode=mode)

    world.load = load
    return world


def make_model(world, *, enabled=True, code="dc_high_value", spec=SPEC, **kwargs):
    """A threshold model owned by the officer, enabled unless told otherwise."""
    model = services.checkmodel_create(actor=world.officer, code=code, name="排口读数超标", spec_text=spec,
                                       problem_category=world.water_pollution, **kwargs)
    if enabled:
        model = services.checkmodel_set_enabled(actor=world.officer, model=model, enabled=True)
    return model
