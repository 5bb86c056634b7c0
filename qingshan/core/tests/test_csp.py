"""Content-Security-Policy: every page forbids inline and foreign code, and the pages carry none of it."""
import re

import pytest
import time_machine

from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db
INLINE = [re.compile(r'\sstyle="'), re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), re.compile(r"\son[a-z]+=\""),
          re.compile(r"<style")]


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_the_policy_allows_only_the_apps_own_assets(client):
    directives = policy(client.get("/login/"))
    assert directives["default-src"] == "default-src 'self'"
    assert directives["script-src"] == "script-src 'self'" and directives["style-src"] == "style-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_main_pages_carry_no_inline_script_or_style(client, world):
    with time_machine.travel(WORLD_NOW, tick=True):
        problem = drive_to(world, State.REPLIED)
    client.force_login(world.officer)
    for url in ["/login/", "/inbox/", "/problems/", f"/problems/{problem.pk}/", "/dashboards/kpi/",
                "/supervision/mine/", "/reminders/", "/ledgers/", "/datacheck/", "/datasets/", "/api/docs/",
                "/no-such-page/"]:
        response = client.get(url, follow=True)
        assert "Content-Security-Policy" in response, url
        html = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(html), (url, pattern.pattern, pattern.search(html))


def test_only_redoc_may_use_inline_styles(client, world):
    client.force_login(world.officer)
    directives = policy(client.get("/api/redoc/"))
    assert "'unsafe-inline'" in directives["style-src"] and "'unsafe-inline'" not in directives["script-src"]
