"""Errors a user can meet are explained in Chinese, never with Django's technical pages."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_guessing_another_units_problem_shows_a_chinese_404(client, world):
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(world, "dispatched")
    client.force_login(world.urban_handler)
    response = client.get(f"/problems/{problem.pk}/")
    body = response.content.decode()
    assert response.status_code == 404 and "未找到该问题，或您无权查看" in body and "URLconf" not in body


def test_unit_user_on_the_create_page_gets_a_chinese_403(client, world):
    client.force_login(world.eco_handler)
    response = client.get("/problems/new/")
    assert response.status_code == 403 and "只有纪检监察机构的工作人员可以登记问题" in response.content.decode()


def test_a_post_without_csrf_token_is_refused_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer)
    response = client.post("/problems/new/", {"title": "x"})
    assert response.status_code == 403 and "本次提交未被执行" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/no-such-endpoint/", "/api/problems/1/no-such-action/",
                                  "/datacheck/api/nothing/"])
def test_an_unknown_api_path_is_a_json_404_in_the_apis_shape(client, world, path):
    client.force_login(world.officer)
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到该记录，或您无权查看。", "field": None}


def test_an_unknown_page_is_still_the_chinese_404_page(client, world):
    client.force_login(world.officer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "<html" in response.content.decode()
