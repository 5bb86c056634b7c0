"""Open311 GeoReport v2: every response carries the spec's fields, in JSON and in XML; bad input is refused in the
spec's error shape; a client sees only its own requests."""
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from qingshan.intake.open311 import CREATED_FIELDS, REQUEST_FIELDS, SERVICE_FIELDS
from qingshan.intake.testing import camera_sender
from qingshan.problems.models import Problem, Reporter
from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture
def client_key(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    sender, secret = camera_sender(world, code="hotline-app")
    return world, sender, secret


def submit(secret: str, fmt: str = "json", **fields):
    data = {"api_key": secret, "service_code": "water", "lat": "30.123456", "long": "118.654321",
            "description": "青山河下游有白色泡沫和刺鼻气味", "first_name": "小明", "last_name": "王",
            "phone": "13800001111", "media_url": "http://app.local/p/1.jpg", **fields}
    return Client().post(f"/open311/v2/requests.{fmt}", data=data)


def test_services_list_has_the_spec_fields_in_json_and_xml(client_key):
    rows = Client().get("/open311/v2/services.json").json()
    assert rows and all(set(row) == set(SERVICE_FIELDS) for row in rows)
    assert any(r["service_code"] == "water" and r["service_name"] == "水污染" for r in rows)
    xml = Client().get("/open311/v2/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    assert all({child.tag for child in service} == set(SERVICE_FIELDS) for service in root)


def test_a_posted_request_becomes_a_problem_with_the_reporter_encrypted(client_key):
    w, sender, secret = client_key
    response = submit(secret)
    assert response.status_code == 201
    [created] = response.json()
    assert set(created) == set(CREATED_FIELDS)
    problem = Problem.objects.get(number=created["service_request_id"])
    assert problem.category.code == "water" and "白色泡沫" in problem.description
    reporter = Reporter.objects.get(problem=problem)
    assert reporter.name_masked != "王小明" and "王小明" not in reporter.name_encrypted
    [row] = Client().get(f"/open311/v2/requests/{problem.number}.json", {"api_key": secret}).json()
    assert set(row) == set(REQUEST_FIELDS)
    assert row["status"] == "open" and row["service_code"] == "water" and row["media_url"] == "http://app.local/p/1.jpg"
    assert row["requested_datetime"].endswith("+08:00")
    xml_root = ET.fromstring(Client().get(f"/open311/v2/requests/{problem.number}.xml", {"api_key": secret}).content)
    assert xml_root.tag == "service_requests"
    assert {child.tag for child in xml_root[0]} == set(REQUEST_FIELDS)
    assert "13800001111" not in str(row)


@pytest.mark.parametrize("fields, message", [
    ({"service_code": "nope"}, "service_code"),
    ({"lat": "", "long": ""}, "位置"),
    ({"lat": "95"}, "lat"),
    ({"description": " "}, "description"),
    ({"phone": ""}, "同时"),
])
def test_bad_requests_are_refused_in_the_spec_error_shape(client_key, fields, message):
    w, sender, secret = client_key
    response = submit(secret, **fields)
    assert response.status_code == 400
    [error] = response.json()
    assert set(error) == {"code", "description"} and message in error["description"]
    assert not Problem.objects.exists()
    root = ET.fromstring(submit(secret, fmt="xml", **fields).content)
    assert root.tag == "errors" and {c.tag for c in root[0]} == {"code", "description"}


def test_a_client_needs_its_key_and_sees_only_its_own_requests(client_key):
    w, sender, secret = client_key
    number = submit(secret).json()[0]["service_request_id"]
    assert submit("wrong-key").status_code == 403
    assert Client().get(f"/open311/v2/requests/{number}.json").status_code == 403
    from qingshan.intake.models import Sender
    from qingshan.intake.services import sender_register
    from qingshan.orgs.models import User

    stranger = Sender(code="stranger", name="另一个应用", account=w.officer, source=sender.source,
                      default_category=w.air_pollution, default_region=w.city)
    stranger_key = sender_register(actor=User.objects.get(username="intake_admin"), sender=stranger)
    assert Client().get(f"/open311/v2/requests/{number}.json", {"api_key": stranger_key}).status_code == 404
    assert Client().get("/open311/v2/requests.json", {"api_key": stranger_key}).json() == []
    mine = Client().get("/open311/v2/requests.json", {"api_key": secret, "status": "open"}).json()
    assert [r["service_request_id"] for r in mine] == [number]
    assert Client().get("/open311/v2/requests.json", {"api_key": secret, "status": "closed"}).json() == []
