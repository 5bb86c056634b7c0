"""Brute force: repeated wrong passwords lock the account and the address out, in Chinese, and are audited."""
import pytest
from django.test import Client, override_settings

from qingshan.audit.models import AuditEvent

PASSWORD = "Qingshan#2026"
pytestmark = pytest.mark.django_db


def login(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_five_wrong_passwords_lock_the_account_even_with_the_right_one_then(world):
    client = Client()
    for _ in range(4):
        response = login(client, "officer", "wrong-password")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = login(client, "officer", "wrong-password")
    assert response.status_code == 429 and "登录已暂时锁定" in response.content.decode()
    # The right password no longer helps, from this address or another one.
    for address in ("10.0.0.1", "10.0.0.2"):
        response = login(Client(), "officer", PASSWORD, address)
        assert response.status_code == 429
        assert "请 30 分钟后再试" in response.content.decode()
    # Audited once per (account, address) in the cool-off period, however often it is tried.
    login(Client(), "officer", PASSWORD, "10.0.0.2")
    events = AuditEvent.objects.filter(action="login_locked_out", object_id=world.officer.pk).order_by("seq")
    assert [e.payload["ip_address"] for e in events] == ["10.0.0.1", "10.0.0.2"]
    assert {e.payload["username"] for e in events} == {"officer"} and "连续 5 次登录失败" in events[0].reason


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_an_address_trying_many_accounts_is_locked_out_for_every_account(world):
    for username in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        login(Client(), username, "guess")
    assert login(Client(), "leader", PASSWORD).status_code == 429
    # Another address still signs in.
    response = login(Client(), "leader", PASSWORD, "10.0.0.9")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login_locked_out", object_id=0,
                                     payload__username="nobody5").exists()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_successful_login_clears_the_failures(world):
    client = Client()
    for _ in range(4):
        login(client, "officer", "wrong-password")
    assert login(client, "officer", PASSWORD).status_code == 302
    for _ in range(4):
        assert login(Client(), "officer", "wrong-password").status_code == 200
    assert not AuditEvent.objects.filter(action="login_locked_out").exists()
