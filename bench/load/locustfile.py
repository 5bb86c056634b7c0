"""Locust users for `make bench-load`: demo people of several roles signing in and opening the main pages.

Each simulated user takes the next role in ROLES, signs in through the login form (CSRF and all, as a browser
would), then opens its pages with a short think time. A page counts as an error unless it answers 200; requests
are named by page, so the statistics are per page. Only 127.0.0.1 is ever targeted (see bench_load.py).
"""
import itertools
import re

from locust import HttpUser, between, task

ROLES = ("office_staff", "eco_handler", "group_staff", "district_staff", "leader", "lvshui_eco", "xinfang",
         "eco_head")
SUPERVISING = {"office_staff", "group_staff", "district_staff", "leader", "xinfang"}
PASSWORD = "Qingshan#2026"  # the demo's documented password (qingshan/demo/city.py)
_next_role = itertools.cycle(ROLES)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DETAIL = re.compile(r'href="(/problems/\d+/)"')


class DemoPerson(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.role = next(_next_role)
        # One connection per request, as the reverse proxy talks to gunicorn by default (nginx: HTTP/1.0 upstream).
        # Reusing a kept-alive connection raced gunicorn's 2 s keep-alive timeout and failed with no answer at all.
        self.client.headers["Connection"] = "close"
        form = self.client.get("/login/", name="登录页")
        token = CSRF.search(form.text).group(1)
        with self.client.post("/login/", {"username": self.role, "password": PASSWORD,
                                          "csrfmiddlewaretoken": token},
                              headers={"Referer": f"{self.host}/login/"}, name="登录", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{self.role}: sign-in answered {response.status_code} {response.error or ''}")
        self.details: list[str] = []

    def _page(self, url: str, name: str) -> str:
        with self.client.get(url, name=f"{name} ({self.kind})", allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{self.role} {url}: {response.status_code} {response.error or ''}")
            return response.text or ""

    @property
    def kind(self) -> str:
        return "监督" if self.role in SUPERVISING else "责任单位"

    @task(4)
    def inbox(self) -> None:
        self._page("/inbox/", "我的待办")

    @task(4)
    def problem_list(self) -> None:
        self.details = DETAIL.findall(self._page("/problems/", "问题清单"))[:10] or self.details

    @task(2)
    def problem_list_page_5(self) -> None:
        self._page("/problems/?page=5", "问题清单第5页")

    @task(4)
    def problem_detail(self) -> None:
        if self.details:
            self._page(self.details[len(self.details) // 2], "问题详情")

    @task(1)
    def ledgers(self) -> None:
        self._page("/ledgers/", "台账")

    @task(1)
    def reminders(self) -> None:
        self._page("/reminders/", "提醒")

    @task(1)
    def kpi(self) -> None:
        if self.role in SUPERVISING:
            self._page("/dashboards/kpi/", "统计分析")
