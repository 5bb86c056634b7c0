"""API test fixtures: a fixed "today", and a client that authenticates with a real token, as an integration does."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# Deadlines are counted in working days from today: a Monday well inside the years chinesecalendar covers keeps
# every computed deadline (and so every test) independent of the real date.
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def api():
    """api(user) -> an APIClient sending that user's token."""

    def client_for(user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
