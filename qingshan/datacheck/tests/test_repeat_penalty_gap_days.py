"""以罚代管 (issue 10): the gap between the first and the third decision reads in days — 37 天, not 3196800 (seconds,
as the engine keeps it) — in the hit's evidence, on the hit page and in the problem made from the hit."""
import pytest
import time_machine

from qingshan.datacheck import services
from qingshan.datacheck.catalogue import catalogue_model, dataset_specs
from qingshan.datacheck.choices import RunStatus
from qingshan.datacheck.models import CheckModel, Hit
from qingshan.datacheck.prose import duration_text
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.services import dataset_define, dataset_load_rows
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import setup_dc


def _decision(no, day):
    return {"decision_no": no, "firm_code": "F1", "firm_name": "青山化工有限公司", "district": "江岸区",
            "violation_type": "超标排放大气污染物", "article": "第九十九条", "fine": "300000", "band_min": "100000",
            "band_max": "1000000", "decided_on": day}


@pytest.fixture
def dc(db, settings, tmp_path):
    world = setup_dc(build_world(), settings, tmp_path)
    penalties = dataset_define(actor=world.officer, spec=dataset_specs()["penalty_decisions"])
    # The third decision comes 37 days after the first: a hit with a 37-day window.
    dataset_load_rows(actor=world.officer, dataset=penalties, mode=ImportMode.REPLACE, rows=[
        _decision("D1", "2025-01-10"), _decision("D2", "2025-01-20"), _decision("D3", "2025-02-16")])
    model = services.checkmodel_create(actor=world.officer, code="penalty_repeat", name="以罚代管",
                                       spec_text=catalogue_model("penalty_repeat").spec_text,
                                       problem_category=world.water_pollution)
    services.checkmodel_set_enabled(actor=world.officer, model=model, enabled=True)
    with time_machine.travel(WORLD_NOW, tick=True):
        run = services.run_start(actor=world.officer, model=CheckModel.objects.get(pk=model.pk))
        assert run.status == RunStatus.SUCCEEDED, run.error
        yield world


def test_the_problem_made_from_a_repeat_penalty_hit_gives_the_gap_in_days(dc):
    hit = Hit.objects.get()
    assert hit.evidence[0]["gap_seconds"] in (37 * 86400, "3196800")  # stored exact, in seconds
    problem = services.hit_confirm(actor=dc.officer, hit=hit).problem
    assert "与窗口内首次处罚相隔：37 天" in problem.description
    assert "3196800" not in problem.description and "（秒）" not in problem.description


def test_the_hit_page_gives_the_gap_in_days(dc, client):
    hit = Hit.objects.get()
    client.force_login(dc.officer)
    page = client.get(f"/datacheck/hits/{hit.pk}/").content.decode()
    evidence = page[page.index('id="evidence"'):page.index("</table>", page.index('id="evidence"'))]
    assert "<th>与窗口内首次处罚相隔</th>" in evidence and "<td>37 天</td>" in evidence
    assert "3196800" not in evidence


@pytest.mark.parametrize(("seconds", "text"), [
    (37 * 86400, "37 天"), ("31536000", "365 天"), (2400, "40 分钟"), (90061, "1 天 1 小时 1 分钟 1 秒"),
    (0, "0 秒"), (None, ""), ("3600.0", "1 小时"),
])
def test_durations_read_in_days_hours_and_minutes(seconds, text):
    assert duration_text(seconds) == text
