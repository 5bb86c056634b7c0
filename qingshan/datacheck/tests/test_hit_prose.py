"""A hit's problem reads like an officer wrote it: Chinese labels from the schemas, formatted values (是/否, units,
dates, no float noise), item names for codes, the subject's name and its region from the sections' register."""
import re

import pytest
import time_machine

from qingshan.datacheck import services
from qingshan.datacheck.choices import RunStatus
from qingshan.datacheck.models import CheckModel, Hit
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.services import dataset_define, dataset_load_rows
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import setup_dc

SECTIONS = {
    "code": "hp_sections", "name": "监测断面", "key": ["code"], "subject": ["code"],
    "columns": [
        {"name": "code", "type": "string", "label": "断面编码", "required": True},
        {"name": "name", "type": "string", "label": "断面名称", "role": "subject_name"},
        {"name": "water_body", "type": "string", "label": "水体类型",
         "choices": [{"value": "river", "label": "河流"}, {"value": "lake", "label": "湖库"}]},
        {"name": "target_class", "type": "integer", "label": "目标类别"},
        {"name": "district", "type": "string", "label": "所在区县", "role": "region"},
    ],
}
READINGS = {
    "code": "hp_readings", "name": "断面监测数据", "key": ["section_code", "sampled_on", "item"],
    "subject": ["section_code"],
    "columns": [
        {"name": "section_code", "type": "string", "label": "断面编码", "required": True,
         "references": "hp_sections"},
        {"name": "sampled_on", "type": "date", "label": "采样日期", "required": True},
        {"name": "item", "type": "string", "label": "监测项目",
         "choices": [{"value": "nh3n", "label": "氨氮", "unit": "mg/L"}, {"value": "tp", "label": "总磷",
                                                                      "unit": "mg/L"}]},
        {"name": "concentration", "type": "decimal", "label": "监测值", "unit_from": "item"},
        {"name": "ratio", "type": "double", "label": "超标倍数"},
        {"name": "below_dl", "type": "boolean", "label": "未检出"},
    ],
}
SPEC = """\
code: hp_over_target
name: 断面水质劣于目标
kind: threshold
version: 1
owner: 第一监督检查室
dataset: hp_readings
subject: {columns: [section_code]}
evidence: [sampled_on, item, concentration, ratio, below_dl, hp_sections.name, hp_sections.water_body]
labels: {value: 评价类别, limit_value: 目标类别}
threshold:
  value: "CASE WHEN concentration > 1.5 THEN 5 ELSE 3 END"
  op: ">"
  reference: {dataset: hp_sections, join: {section_code: code}, value: target_class}
"""


@pytest.fixture
def dc(db, settings, tmp_path):
    world = setup_dc(build_world(), settings, tmp_path)
    sections = dataset_define(actor=world.officer, spec=SECTIONS)
    readings = dataset_define(actor=world.officer, spec=READINGS)
    dataset_load_rows(actor=world.officer, dataset=sections, mode=ImportMode.REPLACE, rows=[
        {"code": "S01", "name": "青山桥", "water_body": "river", "target_class": 3, "district": "江岸区"}])
    dataset_load_rows(actor=world.officer, dataset=readings, mode=ImportMode.REPLACE, rows=[
        {"section_code": "S01", "sampled_on": "2026-03-05", "item": "nh3n", "concentration": "1.8",
         "ratio": 0.1 + 0.2, "below_dl": False},
        {"section_code": "S01", "sampled_on": "2026-03-05", "item": "tp", "concentration": "0.05",
         "ratio": 0, "below_dl": True},
    ])
    model = services.checkmodel_create(actor=world.officer, code="hp_over_target", name="断面水质劣于目标",
                                       spec_text=SPEC, problem_category=world.water_pollution)
    world.model = services.checkmodel_set_enabled(actor=world.officer, model=model, enabled=True)
    with time_machine.travel(WORLD_NOW, tick=True):
        run = services.run_start(actor=world.officer, model=CheckModel.objects.get(pk=model.pk))
        assert run.status == RunStatus.SUCCEEDED, run.error
        yield world


def test_a_hits_problem_names_the_subject_and_region_and_reads_its_evidence_in_chinese(dc):
    hit = services.hit_confirm(actor=dc.officer, hit=Hit.objects.get())
    problem = hit.problem
    assert problem.title == "断面水质劣于目标：青山桥（江岸区）"
    assert problem.region == dc.jiangan and problem.location == "青山桥"
    text = problem.description
    assert "发现江岸区“青山桥”（断面编码 S01）存在异常" in text
    assert ("采样日期：2026-03-05；监测项目：氨氮；监测值：1.8 mg/L；超标倍数：0.3；未检出：否；断面名称：青山桥；"
            "水体类型：河流；评价类别：5；目标类别：3") in text
    # No schema key, code or float noise left for the officer to decode.
    assert not re.search(r"[a-z_]{3,}|=|nh3n|river|False|True|0\.30000|1\.800000", text), text


def test_the_hit_page_shows_the_same_labels_values_subject_and_region(dc, client):
    hit = Hit.objects.get()
    client.force_login(dc.officer)
    page = client.get(f"/datacheck/hits/{hit.pk}/").content.decode()
    evidence = page[page.index('id="evidence"'):page.index("</table>", page.index('id="evidence"'))]
    for text in ("<th>采样日期</th>", "<th>断面名称</th>", "<th>水体类型</th>", "<td>氨氮</td>", "<td>1.8 mg/L</td>",
                 "<td>0.3</td>", "<td>否</td>", "<td>河流</td>"):
        assert text in evidence
    assert "hp_sections_name" not in page and "nh3n" not in evidence
    assert '<h1 class="h5 mb-0">青山桥</h1>' in page and "<td>江岸区</td>" in page


def test_a_new_hit_is_named_and_placed_by_its_register_in_the_triage_list(dc, client):
    hit = Hit.objects.get()
    assert (hit.subject_key, hit.subject_label, hit.region) == ("S01", "青山桥", dc.jiangan)
    client.force_login(dc.officer)
    page = client.get("/datacheck/triage/").content.decode()
    assert f'<a href="/datacheck/hits/{hit.pk}/">青山桥</a>' in page
