"""Files as officers write them: Chinese headers, item names (氨氮, not nh3n) and 是/否, mapped by the schema; an
unknown name is refused by its row and value and nothing is stored."""
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshan.core.errors import ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datasets.choices import BatchStatus
from qingshan.datasets.selectors import duckdb_connect
from qingshan.datasets.services import batch_create, dataset_define

READINGS = {
    "code": "readings",
    "name": "地表水监测数据",
    "key": ["section_code", "sampled_on", "item"],
    "subject": ["section_code"],
    "columns": [
        {"name": "section_code", "type": "string", "label": "断面编码", "required": True},
        {"name": "sampled_on", "type": "date", "label": "采样日期", "required": True},
        {"name": "item", "type": "string", "label": "监测项目", "required": True,
         "choices": [{"value": "nh3n", "label": "氨氮", "unit": "mg/L"},
                     {"value": "tp", "label": "总磷", "unit": "mg/L"}, "ph"]},
        {"name": "concentration", "type": "decimal", "label": "监测值", "unit_from": "item"},
        {"name": "below_dl", "type": "boolean", "label": "未检出"},
    ],
}
HEADER = ["断面编码", "采样日期", "监测项目", "监测值", "未检出"]


@pytest.fixture
def readings(world):
    return dataset_define(actor=world.officer, spec=READINGS)


def rows_of(dataset):
    with duckdb_connect(read_only=True) as con:
        return con.execute(f"SELECT item, concentration, below_dl FROM {dataset.table} ORDER BY item").fetchall()


def imported(world, dataset, name: str, content: bytes):
    """Queue the file's import, let the worker run it, and return the batch as it ended."""
    batch = batch_create(actor=world.officer, dataset=dataset, upload=SimpleUploadedFile(name, content))
    run_queued_jobs()
    batch.refresh_from_db()
    return batch


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv(rows) -> bytes:
    return "\n".join(",".join(map(str, r)) for r in [HEADER, *rows]).encode("utf-8")


@pytest.mark.parametrize(("name", "build"), [("水质.csv", csv), ("水质.xlsx", xlsx)])
def test_chinese_item_names_and_yes_no_are_stored_as_their_codes(world, readings, name, build):
    content = build([["S01", "2026-03-05", "氨氮", "0.62", "否"], ["S01", "2026-03-05", "总磷", "0.05", "是"],
                     ["S01", "2026-03-05", "ph", "7.1", "否"]])
    batch = imported(world, readings, name, content)
    assert (batch.status, batch.row_count) == (BatchStatus.DONE, 3), batch.errors
    assert [(item, str(value.normalize()), dl) for item, value, dl in rows_of(readings)] == [
        ("nh3n", "0.62", False), ("ph", "7.1", False), ("tp", "0.05", True)]


@pytest.mark.parametrize(("name", "build"), [("水质.csv", csv), ("水质.xlsx", xlsx)])
def test_an_unknown_item_name_is_refused_by_row_and_value_and_nothing_is_stored(world, readings, name, build):
    content = build([["S01", "2026-03-05", "氨氮", "0.62", "否"], ["S01", "2026-03-05", "氨氮氮", "0.1", "否"]])
    batch = imported(world, readings, name, content)
    assert batch.status == BatchStatus.FAILED
    assert batch.errors == ["第 3 行“监测项目”：“氨氮氮”不在可选值范围内（氨氮、总磷、ph）"]
    assert rows_of(readings) == []


def test_a_choice_label_that_is_another_choices_code_is_refused_in_the_schema(world):
    spec = READINGS | {"code": "ambiguous", "columns": [
        {"name": "item", "type": "string", "label": "项目", "choices": [{"value": "a", "label": "b"}, "b"]}]}
    with pytest.raises(ServiceError, match="可选值中文名“b”重复或与其他代码相同"):
        dataset_define(actor=world.officer, spec=spec | {"key": [], "subject": []})


def test_the_data_set_page_lists_each_item_by_its_name_code_and_unit(world, readings, client):
    client.force_login(world.officer)
    page = client.get(f"/datasets/{readings.code}/").content.decode()
    assert "氨氮（nh3n） mg/L、总磷（tp） mg/L、ph" in page
