"""Token authentication for system integrations, and the command that issues the tokens."""
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from qingshan.api.authentication import INACTIVE_USER_MESSAGE, INVALID_TOKEN_MESSAGE
from qingshan.api.models import ApiToken, token_digest
from qingshan.audit.models import AuditEvent
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to

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
    assert_error(client.post(f"/api/problems/{problem.pk}/sign/"), 401, message=INVALID_TOKEN_MESSAGE)
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
    assert_error(client.get("/api/problems/"), 401, message=INACTIVE_USER_MESSAGE)


def test_a_browser_session_works_too(world):
    drive_to(world, State.DISPATCHED)
    client = APIClient()
    client.force_login(world.eco_handler)
    assert client.get("/api/problems/").json()["count"] == 1


def _issue(*args) -> str:
    out = io.StringIO()
    call_command("issue_api_token", *args, stdout=out)
    return out.getvalue()


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _token_table_text() -> str:
    """Every column of every row of the token table, as the database returns it (what a backup would hold)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(ApiToken._meta.db_table)}")
        return repr(cursor.fetchall())


def test_issue_api_token_prints_a_working_token_once_and_audits_without_the_key(world):
    output = _issue("eco_handler", "--reason", "12345 平台对接")
    assert "有效期至 2027-03-02" in output  # 365 days from the pinned today
    key = output.strip().splitlines()[-1]
    assert len(key) == 64
    assert ApiToken.objects.get(user=world.eco_handler).digest == token_digest(key)
    assert _client(key).get("/api/inbox/").status_code == 200

    event = AuditEvent.objects.get(object_type="orgs.user", object_id=world.eco_handler.pk)
    assert (event.action, event.reason) == ("api_token_issue", "12345 平台对接")
    assert event.payload == {"username": "eco_handler", "expires_at": "2027-03-02"}
    assert key not in str(event.payload) + event.reason

    with pytest.raises(CommandError, match="已有接口令牌"):
        _issue("eco_handler")
    assert ApiToken.objects.get(user=world.eco_handler).digest == token_digest(key)


def test_the_database_holds_no_usable_key(world):
    key = _issue("eco_handler").strip().splitlines()[-1]
    stored = _token_table_text()
    assert token_digest(key) in stored
    assert key not in stored and key[:16] not in stored and key[-16:] not in stored
    # What the table holds (the digest) is no key: sent as one, it is refused.
    assert_error(_client(token_digest(key)).get("/api/inbox/"), 401, message=INVALID_TOKEN_MESSAGE)


def test_an_expired_token_is_refused_in_chinese(world):
    key = _issue("eco_handler", "--days", "30").strip().splitlines()[-1]
    assert _client(key).get("/api/inbox/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 4, 1, 1, 0, tzinfo=dt.UTC)):  # 30 days after 2026-03-02 10:00 +08
        assert _client(key).get("/api/inbox/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 4, 1, 3, 0, tzinfo=dt.UTC)):
        assert_error(_client(key).get("/api/inbox/"), 401,
                     message="接口令牌已于 2026-04-01 过期，请联系管理员更换令牌。")


def test_an_expired_token_does_not_block_issuing_a_new_one(world):
    old = _issue("eco_handler", "--days", "1").strip().splitlines()[-1]
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)):
        new = _issue("eco_handler").strip().splitlines()[-1]
        assert _client(new).get("/api/inbox/").status_code == 200
        assert_error(_client(old).get("/api/inbox/"), 401, message=INVALID_TOKEN_MESSAGE)
    assert ApiToken.objects.filter(user=world.eco_handler).count() == 1


@pytest.mark.parametrize("days", ["0", "-5", "3651"])
def test_the_validity_must_be_sensible(world, days):
    with pytest.raises(CommandError, match="有效期必须在 1 至 3650 天之间"):
        _issue("eco_handler", "--days", days)
    assert not ApiToken.objects.exists()


def test_last_use_is_recorded_at_most_once_a_minute(world):
    key = _issue("eco_handler").strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    with time_machine.travel(dt.datetime(2026, 3, 5, 1, 0, tzinfo=dt.UTC), tick=False):
        assert _client(key).get("/api/inbox/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == dt.datetime(2026, 3, 5, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 3, 5, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        assert _client(key).get("/api/inbox/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == dt.datetime(2026, 3, 5, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC), tick=False):
        assert _client(key).get("/api/inbox/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC)


def test_rotating_a_token_invalidates_the_old_one(world):
    old = _issue("eco_handler").strip().splitlines()[-1]
    new = _issue("eco_handler", "--rotate").strip().splitlines()[-1]
    assert new != old
    assert_error(_client(old).get("/api/inbox/"), 401, message=INVALID_TOKEN_MESSAGE)
    assert _client(new).get("/api/inbox/").status_code == 200
    assert ApiToken.objects.filter(user=world.eco_handler).count() == 1
    actions = list(AuditEvent.objects.filter(object_type="orgs.user").values_list("action", flat=True))
    assert actions == ["api_token_issue", "api_token_rotate"]


def test_revoking_a_token(world):
    key = _issue("eco_handler").strip().splitlines()[-1]
    assert "已吊销" in _issue("eco_handler", "--revoke", "--reason", "对接停用")
    assert_error(_client(key).get("/api/inbox/"), 401, message=INVALID_TOKEN_MESSAGE)
    assert not ApiToken.objects.exists()
    event = AuditEvent.objects.filter(object_type="orgs.user").order_by("seq").last()
    assert (event.action, event.reason, event.payload) == ("api_token_revoke", "对接停用", {"username": "eco_handler"})
    with pytest.raises(CommandError, match="没有接口令牌"):
        _issue("eco_handler", "--revoke")


def test_no_token_for_unknown_or_deactivated_users(world):
    with pytest.raises(CommandError, match="不存在"):
        _issue("nobody")
    world.outsider.is_active = False
    world.outsider.save()
    with pytest.raises(CommandError, match="已停用"):
        _issue("outsider")
    assert not ApiToken.objects.exists()


def test_the_admin_lists_tokens_read_only_without_their_digest(world, client):
    key = _issue("eco_handler").strip().splitlines()[-1]
    admin = type(world.eco_handler).objects.create_superuser("token_admin", password="admin-password-1")
    client.force_login(admin)
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200 and str(world.eco_handler) in page.content.decode()
    token = ApiToken.objects.get()
    detail = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert token.digest not in detail and key not in detail
    assert client.get("/admin/api/apitoken/add/").status_code == 403
