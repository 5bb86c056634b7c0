"""Browser tests: Playwright from PyPI driving Debian's chromium against the live test server."""
import os

import pytest
from playwright.sync_api import expect

from e2e.support import PageWatch

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("QINGSHAN_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Qingshan#2026"
# The app as an intranet host name (not localhost), for what a browser does differently there.
INTRANET_HOST = "qingshan.intranet"

# CI runs on 2 cores shared with other work: a page that takes a few seconds is slow, not wrong. Every step waits
# for its observable result (web-first assertions), so longer timeouts cost nothing when all is well.
EXPECT_TIMEOUT_MS = 15_000
ACTION_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-gpu", f"--host-resolver-rules=MAP {INTRANET_HOST} 127.0.0.1",
        ])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    # The intranet has no internet: any request that leaves the app is a bug. It is refused, and the story fails.
    outside: list[str] = []

    def only_the_app(route):
        if route.request.url.startswith((live_server.url, intranet_url(live_server))):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    # Nothing raw on screen: every page the story renders, and every htmx swap, is read as shown.
    watch = PageWatch()
    watch.attach(context)
    page = context.new_page()
    # What the CSP refuses never reaches the route: a refused outside URL is as much a bug.
    page.on("console", lambda message: outside.append(message.text) if "Content Security Policy" in message.text and
            "http" in message.text and live_server.url not in message.text else None)
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    watch.check_now(page)
    context.close()
    assert outside == [], f"requests to hosts other than the app: {outside}"
    watch.assert_clean()


def intranet_url(live_server) -> str:
    """The live server's address under INTRANET_HOST (add the name to ALLOWED_HOSTS in the test)."""
    return live_server.url.replace("localhost", INTRANET_HOST).replace("127.0.0.1", INTRANET_HOST)


@pytest.fixture
def login(page, live_server):
    def _login(username: str):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/**")
        return page
    return _login


@pytest.fixture
def worker(transactional_db, settings):
    """`manage.py run_worker`'s loop in a thread beside the live server: jobs the pages queue are run by it."""
    import threading

    from django.db import connections

    from qingshan.core.worker import run_worker

    def work():
        try:
            run_worker(write=lambda line: None, only_jobs=True, stop=stop)
        finally:
            connections.close_all()  # a thread's connection left open keeps PostgreSQL from dropping the test database

    settings.JOB_POLL_SECONDS = 0.2
    stop = threading.Event()
    thread = threading.Thread(target=work, name="e2e-worker", daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join(timeout=60)  # the job in hand finishes first; it must be gone before the database is emptied
    assert not thread.is_alive(), "the worker is still running"


@pytest.fixture
def world(transactional_db, settings):
    """The shared test world, the server on its fixed date (deadlines stay in years with a holiday calendar). The
    browser keeps the real clock, so the session cookie carries no expiry computed from the server's date."""
    import time_machine

    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        yield build_world()
