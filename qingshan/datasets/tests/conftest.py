"""Shared fixtures: each test gets its own DuckDB folder, imports run synchronously, and a small water data set."""
import pytest

from qingshan.problems.testing.world import build_world

WATER_SPEC = {
    "code": "water_readings",
    "name": "断面水质监测",
    "description": "地表水断面的逐日监测值",
    "key": ["section", "sampled_on"],
    "subject": ["section"],
    "location": {"lng": "lng", "lat": "lat"},
    "columns": [
        {"name": "section", "type": "string", "label": "断面编码", "required": True},
        {"name": "section_name", "type": "string", "label": "断面名称"},
        {"name": "sampled_on", "type": "date", "label": "监测日期", "required": True},
        {"name": "cod", "type": "decimal", "label": "化学需氧量", "min": 0, "max": 1000},
        {"name": "samples", "type": "integer", "label": "样品数"},
        {"name": "grade", "type": "string", "label": "水质类别", "choices": ["I", "II", "III", "IV", "V", "劣V"]},
        {"name": "lng", "type": "double", "label": "经度"},
        {"name": "lat", "type": "double", "label": "纬度"},
    ],
}

HEADER = "section,section_name,sampled_on,cod,samples,grade,lng,lat\n"
GOOD_ROWS = "S01,青山桥,2026-03-01,12.5,3,II,117.3,30.2\nS02,绿水闸,2026-03-01,31.0,2,IV,117.2,30.1\n"


@pytest.fixture
def ds_settings(settings, tmp_path):
    settings.DATASETS_DIR = tmp_path / "datasets"
    return settings


@pytest.fixture
def world(db, ds_settings):
    return build_world()


@pytest.fixture
def water(world):
    from qingshan.datasets.services import dataset_define

    return dataset_define(actor=world.officer, spec=WATER_SPEC)
