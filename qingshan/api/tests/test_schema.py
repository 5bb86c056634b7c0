"""The OpenAPI description served by the app: valid, warning-free, complete, in Chinese, with offline docs."""
import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from qingshan.problems.transitions import PROBLEM_ACTIONS

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENDPOINTS = sorted({*(rule.path for rule in PROBLEM_ACTIONS), "review", "decide-extension", "reveal-reporter",
                    "attachments"})


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """`manage.py spectacular --validate --fail-on-warn`, as CI would run it; fails on any warning."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_transition_has_a_documented_post_endpoint(schema):
    for endpoint in ENDPOINTS:
        operation = schema["paths"][f"/api/problems/{{id}}/{endpoint}/"]["post"]
        assert {"400", "403", "404"} <= set(operation["responses"]), endpoint


def test_list_detail_create_download_and_inbox_are_documented(schema):
    paths = schema["paths"]
    assert set(paths["/api/problems/"]) >= {"get", "post"}
    assert "get" in paths["/api/problems/{id}/"]
    assert "get" in paths["/api/attachments/{id}/download/"]
    assert "get" in paths["/api/inbox/"]
    filters = {p["name"] for p in paths["/api/problems/"]["get"]["parameters"]}
    assert filters >= {"q", "state", "source", "category", "region", "lead_unit", "overdue", "kpi", "ordering", "page"}
    # The list's total is bounded, and the answer says so.
    listed = paths["/api/problems/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][listed.rsplit("/", 1)[1]]
    assert page["properties"]["count_is_bounded"]["type"] == "boolean"
    assert {"count", "count_is_bounded", "results"} <= set(page["required"])
    assert CHINESE.search(page["properties"]["count_is_bounded"]["description"])
    create = paths["/api/problems/"]["post"]["requestBody"]["content"]
    assert set(create) == {"application/json", "multipart/form-data"}


def test_every_operation_has_a_chinese_summary_and_token_auth(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert CHINESE.search(operation.get("summary", "")), f"{method.upper()} {path}"
            assert {"tokenAuth": []} in operation["security"], f"{method.upper()} {path}"


def test_no_description_is_english_developer_text(schema):
    """Docstrings written for this code base's developers do not reach the integrating body's readers."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("description"), str) and node["description"] and not CHINESE.search(
                    node["description"]):
                found.append(node["description"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert found == []
    problem = schema["paths"]["/api/problems/"]["get"]
    assert "count_is_bounded" in problem["description"]


def test_the_reporter_is_write_only_in_the_schema(schema):
    components = schema["components"]["schemas"]
    assert "reporter_name" in components["ProblemCreateInputRequest"]["properties"]
    assert "reporter_name" not in str(components["ProblemDetailOutput"])


def test_the_app_serves_its_schema_to_signed_in_users_and_tokens_only(world, api):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 401 and "paths" not in response.json()
    client = api(world.eco_handler)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/problems/{id}/dispatch/" in response.json()["paths"]
    assert client.get("/api/schema/").status_code == 200  # YAML by default


@pytest.mark.parametrize("path,bundle", [("/api/docs/", "swagger-ui-bundle.js"),
                                         ("/api/redoc/", "redoc.standalone.js")])
def test_the_docs_are_served_from_the_app_without_any_cdn(world, path, bundle):
    client = APIClient()
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/login/")
    client.force_login(world.eco_handler)
    html = client.get(path).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(bundle in a for a in assets), assets
    for asset in assets:
        assert asset.startswith("/"), f"external asset: {asset}"
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_the_hit_list_is_documented_as_the_page_it_answers(schema):
    operation = schema["paths"]["/api/datacheck/hits/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    assert {p["name"] for p in operation["parameters"]} >= {"page", "page_size"}


def test_provisional_deadlines_and_model_explanations_are_documented(schema):
    components = schema["components"]["schemas"]
    for name in ("ProblemListOutput", "ProblemDetailOutput"):
        field = components[name]["properties"]["deadline_provisional"]
        assert field["type"] == "boolean" and "暂定" in field["description"], name
    model = components["DatacheckModelOutput"]["properties"]["explanation"]
    assert "说明" in model["description"] and "get" in schema["paths"]["/api/datacheck/models/{id}/"]
    assert set(components["DatacheckExplanation"]["properties"]) == {
        "finds", "does_not_find", "parameters", "basis", "edited"}
