"""What the server sends with sensitive answers: no caching, and a content type it decided itself (issue 9, 14)."""
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.problems import services
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def test_the_reporter_reveal_is_never_cached(client, world):
    problem = new_problem(world, source=world.hotline, reporter_name="张三丰", reporter_phone="13812345678")
    client.force_login(world.xinfang)
    url = reverse("problems:reveal_reporter", args=[problem.pk])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url, {"reason": "回访核实"}, **headers)
        assert "13812345678" in response.content.decode()
        assert "no-store" in response["Cache-Control"]


def test_a_download_is_never_cached_and_has_the_servers_content_type(client, world):
    problem = drive_to(world, State.DISPATCHED)
    upload = SimpleUploadedFile("说明.txt", b"<script>alert(1)</script>", content_type="text/html")
    attachment = services.attachment_add(actor=world.eco_handler, problem=problem, upload=upload)
    assert attachment.content_type == "text/plain; charset=utf-8"
    # A row stored before the fix still carries the client's type: it is not served with it.
    type(attachment).objects.filter(pk=attachment.pk).update(content_type="text/html")
    client.force_login(world.eco_handler)
    response = client.get(reverse("problems:download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_unit_sees_only_the_duplicates_it_may_see(client, world):
    from qingshan.problems.selectors import problem_detail

    with time_machine.travel(WORLD_NOW, tick=True):
        primary = drive_to(world, State.DISPATCHED)
        hotline_call = new_problem(world, source=world.hotline, title="热线来电：某厂夜间排污")
        services.problem_merge(actor=world.officer, duplicate=hotline_call, primary=primary, reason="同一排口")
    officer_view = problem_detail(user=world.officer, pk=primary.pk)
    assert [d.pk for d in officer_view.duplicates.all()] == [hotline_call.pk]
    assert list(problem_detail(user=world.eco_handler, pk=primary.pk).duplicates.all()) == []
    client.force_login(world.eco_handler)
    page = client.get(reverse("problems:detail", args=[primary.pk])).content.decode()
    assert hotline_call.number not in page and "热线来电" not in page


def test_the_apis_timeline_hides_the_merged_duplicates_number_from_the_unit(world):
    from rest_framework.test import APIClient

    from qingshan.api.testing import issue_test_token

    with time_machine.travel(WORLD_NOW, tick=True):
        primary = drive_to(world, State.DISPATCHED)
        hotline_call = new_problem(world, source=world.hotline)
        services.problem_merge(actor=world.officer, duplicate=hotline_call, primary=primary, reason="同一排口")

    def detail(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(user)}")
        return client.get(f"/api/problems/{primary.pk}/").json()

    unit = detail(world.eco_handler)
    assert hotline_call.number not in str(unit) and unit["duplicates"] == []
    assert any(e["action"] == "merge" for e in unit["timeline"])  # the merge itself is not hidden
    assert hotline_call.number in str(detail(world.officer))
