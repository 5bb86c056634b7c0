"""API throttling: too many requests get a 429 in the API's error shape, per user and per anonymous address."""
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from .utils import assert_error


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})
    cache.clear()
    yield
    cache.clear()


def test_a_user_over_the_rate_gets_429_in_chinese(world, api, low_rates):
    client = api(world.officer)
    for _ in range(5):
        assert client.get("/api/problems/").status_code == 200
    response = client.get("/api/problems/")
    body = assert_error(response, 429)
    assert body["detail"].startswith("请求过于频繁") and int(response["Retry-After"]) > 0
    # Another user has a budget of their own.
    assert api(world.leader).get("/api/problems/").status_code == 200


def test_an_address_guessing_tokens_is_throttled(world, low_rates):
    guess = {"HTTP_AUTHORIZATION": "Token 0123456789abcdef0123456789abcdef01234567"}
    for _ in range(3):
        assert APIClient().get("/api/problems/", **guess).status_code == 401
    assert_error(APIClient().get("/api/problems/", **guess), 429)
    assert APIClient().get("/api/problems/", REMOTE_ADDR="10.1.1.1", **guess).status_code == 401
