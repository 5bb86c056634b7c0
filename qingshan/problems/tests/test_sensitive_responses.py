"""What the server sends with sensitive answers: no caching, and a content type it decided itself (issue 9, 14)."""
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.core.testing.flows import drive_to, new_problem
from qingshan.core.testing.world import WORLD_NOW
from qingshan.problems import services
from qingshan.problems.choices import State

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
