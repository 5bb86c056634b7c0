"""模型说明 (issue 10): each catalogue model's explanation, checked at load, on its model page and in the API."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.api.testing import issue_test_token
from qingshan.datacheck import services
from qingshan.datacheck.catalogue import catalogue_model, dataset_schema_files
from qingshan.datacheck.catalogue.explain import ExplanationError, explanations, load_explanations, parse_explanation
from qingshan.datacheck.choices import Origin
from qingshan.problems.testing.world import WORLD_NOW, build_world

from .app_world import make_model, setup_dc

GOOD = """\
finds: 发现读数超过限值的排口
does_not_find: 不发现未报送读数的排口
parameters:
  - {name: 限值, meaning: 读数大于此值命中, default: 5, basis: 排污许可证载明的排放限值}
basis: 《排污许可管理条例》第十七条
"""


# ---------------------------------------------------------------- the loader


def test_a_well_formed_file_loads_with_its_parameters():
    explanation = parse_explanation("dc_high_value", GOOD)
    assert explanation.finds == "发现读数超过限值的排口" and explanation.basis == "《排污许可管理条例》第十七条"
    (limit,) = explanation.parameters
    assert (limit.name, limit.meaning, limit.default, limit.basis) == (
        "限值", "读数大于此值命中", "5", "排污许可证载明的排放限值")


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("does_not_find: 不发现未报送读数的排口\n", ""), "缺少“does_not_find”"),
    (GOOD.replace("basis: 《排污许可管理条例》第十七条\n", ""), "缺少“basis”"),
    (GOOD + "note: 多余\n", "不认识的键“note”"),
    (GOOD.replace("finds: 发现读数超过限值的排口", "finds: ''"), "finds应为非空的文字"),
    (GOOD.replace(", basis: 排污许可证载明的排放限值", ""), "第 1 个参数缺少“basis”"),
    (GOOD.replace("default: 5", "default: ~"), "第 1 个参数的 default应为非空的文字"),
    (GOOD.replace("parameters:\n  - {", "parameters: {x: 1}\nignored:\n  - {"), "不认识的键“ignored”"),
    ("finds: [未闭合", "不是有效的 YAML"),
    ("- 一个列表", "应为键值对"),
])
def test_a_bad_file_is_a_clear_error_naming_the_file(text, message):
    with pytest.raises(ExplanationError) as refused:
        parse_explanation("dc_high_value", text)
    assert "dc_high_value.yaml" in str(refused.value) and message in str(refused.value)


def test_parameters_must_be_a_list():
    with pytest.raises(ExplanationError, match="parameters 应为列表"):
        parse_explanation("dc_high_value", GOOD.replace("parameters:\n  - {", "parameters: {"))


def test_a_file_named_after_no_catalogue_model_is_refused(tmp_path):
    (tmp_path / "no_such_model.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "dc_high_value.yaml").write_text(GOOD, encoding="utf-8")
    assert set(load_explanations(tmp_path)) == {"no_such_model", "dc_high_value"}
    with pytest.raises(ExplanationError, match="模型目录中没有代码为“no_such_model”的模型"):
        load_explanations(tmp_path, known={"dc_high_value"})


def test_a_bad_shipped_file_fails_the_whole_load(tmp_path):
    (tmp_path / "a_good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b_bad.yaml").write_text(GOOD.replace("basis: 《", "basis_: 《"), encoding="utf-8")
    with pytest.raises(ExplanationError, match="b_bad.yaml"):
        load_explanations(tmp_path)


def test_the_shipped_explanations_load_and_cite_their_standards():
    shipped = explanations()  # raises if any shipped file is malformed or names no catalogue model
    assert "GB 3838-2002" in shipped["water_worse_than_target"].basis
    assert "HJ 633-2012" in shipped["air_aqi_above_level"].basis
    assert "5%" in shipped["reported_vs_monitored"].finds


# ---------------------------------------------------------------- page and API


@pytest.fixture
def dc(db, settings, tmp_path):
    from qingshan.datasets.services import sync_schema_files

    with time_machine.travel(WORLD_NOW, tick=True):
        world = setup_dc(build_world(), settings, tmp_path)
        sync_schema_files(dataset_schema_files())
        entry = catalogue_model("water_worse_than_target")
        world.catalogued = services.checkmodel_create(
            actor=world.officer, code=entry.code, name=entry.name, spec_text=entry.spec_text,
            default_queue=entry.queue, origin=Origin.CATALOGUE)
        world.custom = make_model(world, enabled=False)
        yield world


def page(client, user, model):
    client.force_login(user)
    response = client.get(reverse("datacheck:model", args=[model.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_catalogue_models_page_explains_it_in_chinese(client, dc):
    body = page(client, dc.officer, dc.catalogued)
    assert 'id="model-explanation"' in body and "发现什么" in body and "不发现什么" in body
    assert "不评价时段均值" in body and "湖库总磷限值" in body and "环办〔2011〕22号" in body
    assert "已在模型目录原版的基础上修改" not in body


def test_a_custom_model_has_no_explanation_and_an_edited_one_says_so(client, dc):
    assert 'id="model-explanation"' not in page(client, dc.officer, dc.custom)
    edited = dc.catalogued.spec_text.replace("severity: high", "severity: medium")
    with time_machine.travel(WORLD_NOW, tick=True):
        model = services.checkmodel_update(actor=dc.officer, model=dc.catalogued, spec_text=edited,
                                           spec_format="yaml")
    body = page(client, dc.officer, model)
    assert 'id="model-explanation"' in body and "已在模型目录原版的基础上修改" in body


def test_the_api_model_detail_carries_the_explanation(client, dc):
    headers = {"HTTP_AUTHORIZATION": f"Token {issue_test_token(dc.officer)}"}
    data = client.get(reverse("api:datacheck-model", args=[dc.catalogued.pk]), **headers).json()
    assert data["code"] == "water_worse_than_target" and data["origin"] == "catalogue"
    explanation = data["explanation"]
    assert explanation["edited"] is False and "GB 3838-2002" in explanation["basis"]
    assert {"name", "meaning", "default", "basis"} == set(explanation["parameters"][0])
    assert "湖库总磷限值" in [p["name"] for p in explanation["parameters"]]
    custom = client.get(reverse("api:datacheck-model", args=[dc.custom.pk]), **headers).json()
    assert custom["explanation"] is None and custom["code"] == "dc_high_value"
    outsider = {"HTTP_AUTHORIZATION": f"Token {issue_test_token(dc.eco_handler)}"}
    assert client.get(reverse("api:datacheck-model", args=[dc.catalogued.pk]), **outsider).status_code == 404


def test_a_catalogue_model_picked_in_a_browser_is_the_catalogues_and_explained(client, dc):
    """Browsers post a textarea with CRLF line endings: the catalogue's text unchanged is still its model."""
    from qingshan.datacheck.models import CheckModel

    entry = catalogue_model("air_aqi_above_level")
    client.force_login(dc.officer)
    with time_machine.travel(WORLD_NOW, tick=True):
        response = client.post(reverse("datacheck:model_create"), {
            "code": entry.code, "name": entry.name, "spec_format": "yaml",
            "spec_text": entry.spec_text.replace("\n", "\r\n"), "default_queue": entry.queue})
    assert response.status_code == 302
    model = CheckModel.objects.get(code=entry.code)
    assert model.origin == Origin.CATALOGUE
    body = page(client, dc.officer, model)
    assert 'id="model-explanation"' in body and "HJ 633-2012" in body and "已在模型目录原版的基础上修改" not in body
