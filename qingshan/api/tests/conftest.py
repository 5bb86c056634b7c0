"""API test fixtures: a fixed "today", and a client that authenticates with a real token, as an integration does."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from qingshan.api.testing import issue_test_token

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
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(user)}")
        return client

    return client_for
