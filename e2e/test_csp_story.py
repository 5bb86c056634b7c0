"""The Content-Security-Policy in a real browser: the pages, htmx and the API docs work and nothing is blocked."""
import pytest
import time_machine
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        yield build_world()


def test_nothing_is_blocked_by_the_policy(world, login, live_server):
    page = login("officer")
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    for path in ["/inbox/", "/problems/", "/dashboards/kpi/", "/supervision/", "/datacheck/", "/datasets/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # htmx still swaps: the KPI table reloads when a filter changes.
    page.goto(f"{live_server.url}/dashboards/kpi/")
    page.select_option("select[name=group_by]", index=1)
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .title")).to_contain_text("青山 API")
    assert blocked == []
