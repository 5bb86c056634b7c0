"""Token authentication for system integrations, and the command that issues the tokens."""
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.flows import drive_to
from qingshan.problems.choices import State

from .utils import assert_error


@pytest.mark.parametrize("method,path", [
    ("get", "/api/problems/"), ("get", "/api/inbox/"), ("get", "/api/problems/1/"),
    ("post", "/api/problems/1/sign/"), ("get", "/api/attachments/1/download/"),
])
def test_a_request_without_token_or_session_is_401(world, method, path):
    response = getattr(APIClient(), method)(path)
    assert_error(response, 401, message="身份认证信息未提供。")
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401_and_changes_nothing(world):
    problem = drive_to(world, State.DISPATCHED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(client.post(f"/api/problems/{problem.pk}/sign/"), 401)
    problem.refresh_from_db()
    assert problem.state == State.DISPATCHED


def test_a_token_acts_as_its_user(world, api):
    problem = drive_to(world, State.DISPATCHED)
    response = api(world.eco_handler).post(f"/api/problems/{problem.pk}/sign/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == State.SIGNED
    problem.refresh_from_db()
    assert problem.signed_at is not None
    assert AuditEvent.objects.filter(object_id=problem.pk, action="sign").get().actor == world.eco_handler


def test_the_token_of_a_deactivated_user_stops_working(world, api):
    client = api(world.eco_handler)
    assert client.get("/api/problems/").status_code == 200
    world.eco_handler.is_active = False
    world.eco_handler.save()
    assert_error(client.get("/api/problems/"), 401)


def test_a_browser_session_works_too(world):
    drive_to(world, State.DISPATCHED)
    client = APIClient()
    client.force_login(world.eco_handler)
    assert client.get("/api/problems/").json()["count"] == 1


def _issue(*args) -> str:
    out = io.StringIO()
    call_command("issue_api_token", *args, stdout=out)
    return out.getvalue()


def test_issue_api_token_prints_a_working_token_once_and_audits_without_the_key(world):
    output = _issue("eco_handler", "--reason", "12345 平台对接")
    key = output.strip().splitlines()[-1]
    assert Token.objects.get(user=world.eco_handler).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/inbox/").status_code == 200

    event = AuditEvent.objects.get(object_type="orgs.user", object_id=world.eco_handler.pk)
    assert (event.action, event.reason) == ("api_token_issue", "12345 平台对接")
    assert key not in str(event.payload) + event.reason

    with pytest.raises(CommandError, match="已有接口令牌"):
        _issue("eco_handler")
    assert Token.objects.get(user=world.eco_handler).key == key


def test_rotating_a_token_invalidates_the_old_one(world):
    old = _issue("eco_handler").strip().splitlines()[-1]
    new = _issue("eco_handler", "--rotate").strip().splitlines()[-1]
    assert new != old
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/inbox/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/inbox/").status_code == 200
    actions = list(AuditEvent.objects.filter(object_type="orgs.user").values_list("action", flat=True))
    assert actions == ["api_token_issue", "api_token_rotate"]


def test_revoking_a_token(world):
    key = _issue("eco_handler").strip().splitlines()[-1]
    assert "已吊销" in _issue("eco_handler", "--revoke")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/inbox/").status_code == 401
    with pytest.raises(CommandError, match="没有接口令牌"):
        _issue("eco_handler", "--revoke")


def test_no_token_for_unknown_or_deactivated_users(world):
    with pytest.raises(CommandError, match="不存在"):
        _issue("nobody")
    world.outsider.is_active = False
    world.outsider.save()
    with pytest.raises(CommandError, match="已停用"):
        _issue("outsider")
    assert not Token.objects.exists()
