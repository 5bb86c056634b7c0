"""Issue 10: an officer takes a model from the catalogue and reads, on its page, what it finds, what it does not,
its parameters and their legal basis."""
import pytest
from playwright.sync_api import expect

from e2e.support import datacheck_world
from qingshan.datacheck.catalogue import dataset_schema_files
from qingshan.datasets.services import sync_schema_files

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    with datacheck_world(settings, tmp_path) as w:
        sync_schema_files(dataset_schema_files())
        yield w


def test_a_catalogue_model_explains_itself_on_its_page(world, login, live_server):
    page = login("officer")
    page.goto(f"{live_server.url}/datacheck/models/new/?catalogue=water_worse_than_target")
    expect(page.locator("#id_code")).to_have_value("water_worse_than_target")
    page.click("button:has-text('保存')")

    explanation = page.locator("#model-explanation")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("发现什么")
    expect(explanation).to_contain_text("劣于该断面的水质目标类别")
    expect(explanation).to_contain_text("不评价时段均值")  # what it does not find, and how to check a false alarm
    expect(explanation.locator("table")).to_contain_text("湖库总磷限值")
    expect(explanation).to_contain_text("GB 3838-2002")
    expect(explanation).not_to_contain_text("已在模型目录原版的基础上修改")
