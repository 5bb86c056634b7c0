"""Defining and evolving data sets from spec dicts and schema files; the engines' catalogue."""
import pytest
import yaml

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.datasets.catalog import COLUMN_TYPES
from qingshan.datasets.selectors import dataset_list, duckdb_connect, engine_catalog
from qingshan.datasets.services import dataset_define, dataset_load_rows, sync_schema_files

from .conftest import WATER_SPEC


def duck_columns(table):
    with duckdb_connect(read_only=True) as con:
        return con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                           "ORDER BY ordinal_position", [table]).fetchall()


def test_define_creates_the_table_with_the_storage_types_and_is_audited(world, water):
    assert water.table == "ds_water_readings"
    assert dict(duck_columns(water.table)) == {
        **{c["name"]: COLUMN_TYPES[c["type"]] for c in WATER_SPEC["columns"]}, "qs_batch": "BIGINT"}
    assert AuditEvent.objects.filter(object_type="datasets.dataset", object_id=water.pk,
                                     action="dataset_define").count() == 1


BAD_NAME = "不合法：只能使用小写字母、数字和下划线，以字母开头，最长 63 个字符。"


@pytest.mark.parametrize(("change", "message"), [
    ({"code": "Water; DROP TABLE x"}, "数据集代码“Water; DROP TABLE x”" + BAD_NAME),
    ({"columns": [{"name": "a\"b", "type": "string"}]}, "字段名“a\"b”" + BAD_NAME),
    ({"columns": [{"name": "a", "type": "money"}]},
     "字段“a”的类型“money”不支持，可用类型：string、integer、decimal、double、date、timestamp、boolean。"),
    ({"key": ["nope"]}, "主键字段“nope”不是数据集“water_readings”的字段。"),
    ({"location": {"lng": "section", "lat": "lat"}}, "经度字段“section”必须是 decimal 或 double 类型。"),
    ({"name": ""}, "数据集“water_readings”缺少中文名称（name）。"),
])
def test_bad_specs_are_refused_and_change_nothing(world, change, message):
    with pytest.raises(ServiceError) as refused:
        dataset_define(actor=world.officer, spec={**WATER_SPEC, **change})
    assert refused.value.message == message
    assert not dataset_list(user=world.officer).exists()


def test_unit_user_may_not_define(world):
    with pytest.raises(PermissionRefused, match="只有纪检监察机构的监督人员可以定义数据集。"):
        dataset_define(actor=world.eco_handler, spec=WATER_SPEC)


def test_evolving_adds_optional_columns_but_refuses_to_lose_data(world, water):
    dataset_load_rows(actor=world.officer, dataset=water, rows=[("S01", "桥", "2026-03-01")])
    grown = dataset_define(actor=world.officer, spec={
        **WATER_SPEC, "columns": [*WATER_SPEC["columns"], {"name": "ph", "type": "decimal", "label": "pH"}]})
    assert grown.schema_version == 2 and ("ph", "DECIMAL(18,6)") in duck_columns(water.table)
    with pytest.raises(ServiceError, match="已有 1 行数据，不能删除字段（pH）"):
        dataset_define(actor=world.officer, spec=WATER_SPEC)
    with duckdb_connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ds_water_readings").fetchone()[0] == 1


def test_schema_files_sync_and_feed_the_engine_catalogue(world, tmp_path):
    path = tmp_path / "water.yaml"
    path.write_text(yaml.safe_dump({"datasets": [WATER_SPEC]}, allow_unicode=True), encoding="utf-8")
    [dataset] = sync_schema_files([path])
    assert sync_schema_files([path])[0].schema_version == 1  # unchanged: no new version
    info = engine_catalog()["water_readings"]
    assert info.table == "ds_water_readings" and info.key == ("section", "sampled_on")
    assert info.columns["cod"] == "decimal" and info.column_labels["cod"] == "化学需氧量"
    assert AuditEvent.objects.filter(object_id=dataset.pk, action="dataset_define", actor=None).exists()


def test_external_parquet_is_registered_as_a_view(world, tmp_path):
    import duckdb

    path = tmp_path / "gps.parquet"
    duckdb.sql("SELECT 'T1' AS plate, 117.3 AS lng, 30.2 AS lat FROM range(3)").write_parquet(str(path))
    dataset = dataset_define(actor=world.officer, spec={
        "code": "gps", "name": "车辆轨迹", "parquet": str(path), "location": {"lng": "lng", "lat": "lat"},
        "columns": [{"name": "plate", "type": "string", "label": "车牌"}, {"name": "lng", "type": "double"},
                    {"name": "lat", "type": "double"}]})
    assert dataset.storage == "parquet" and dataset.row_count == 3
    with duckdb_connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ds_gps").fetchone()[0] == 3

