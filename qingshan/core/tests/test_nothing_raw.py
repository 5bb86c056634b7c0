"""Nothing raw on screen: a crawl of the pages each role reaches from its navigation, checked for template syntax
printed as text, English developer sentences and references to hosts other than the app (the intranet has none)."""
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders

from qingshan.core.testing.pages import css_outside_urls, outside_urls, parse, raw_text
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.supervision.tests.conftest import sw  # noqa: F401  (the supervision world: a plan, an item, slots)

pytestmark = pytest.mark.django_db
# Links that leave the HTML pages: downloads, exports, the schema, signing out, the admin.
NOT_PAGES = re.compile(r"^/(logout|admin)/|export|download|/files?/|/attachments?/|/schema/|template|"
                       r"\.(xlsx|csv|json)$")
# Pages beside the navigation that every role can reach.
EXTRA = ["/api/docs/", "/api/redoc/", "/no-such-page/", "/problems/999999/"]


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


def _shape(path: str) -> str:
    """Pages of one kind (every problem's detail page) are crawled once."""
    return re.sub(r"\d+", "N", path)


def crawl(client, start: list[str]) -> dict[str, str]:
    """The HTML of the start pages and of the pages they link to (one page of each kind), by URL."""
    pages: dict[str, str] = {}
    seen = set()
    queue = list(start)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or NOT_PAGES.search(parts.path):
            continue
        if _shape(parts.path) in seen:
            continue
        seen.add(_shape(parts.path))
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        if url in start or len(seen) < 60:
            queue += [u for u in parse(html).urls if u.startswith("/") and not u.startswith("/static/")]
    return pages


@pytest.fixture
def crawled(client, sw):  # noqa: F811
    with_problem = drive_to(sw, State.REPLIED)
    assert with_problem
    found = {}
    for user in (sw.officer, sw.group_staff, sw.district_staff, sw.eco_handler, sw.leader, sw.partner_staff):
        client.force_login(user)
        found[user.username] = crawl(client, ["/inbox/", *EXTRA])
    return found


def test_no_page_shows_template_syntax_or_english_sentences(crawled):
    # The report form (a slot page of the stationed group's staff) is among the pages crawled.
    assert any(re.search(r"/supervision/slots?/\d+/$", url) for url in crawled["group_staff"])
    defects = {(user, url): raw_text(html) for user, pages in crawled.items() for url, html in pages.items()}
    assert {key: found for key, found in defects.items() if found} == {}


def test_empty_choices_say_choose_not_dashes(crawled):
    pages = {(user, url): html for user, pages in crawled.items() for url, html in pages.items()}
    assert any("<option value=\"\" selected>请选择</option>" in html for html in pages.values())
    assert [key for key, html in pages.items() if "---------" in html] == []


def test_no_page_references_another_host(crawled):
    assert any(url == "/api/docs/" for url in crawled["officer"])
    defects = {(user, url): outside_urls(html) for user, pages in crawled.items() for url, html in pages.items()}
    assert {key: found for key, found in defects.items() if found} == {}
    stylesheets = {u for pages in crawled.values() for html in pages.values() for u in parse(html).urls
                   if u.startswith("/static/") and u.split("?")[0].endswith(".css")}
    assert stylesheets
    for url in stylesheets:
        path = finders.find(url.split("?")[0].removeprefix("/static/"))
        assert path, url
        with open(path, encoding="utf-8") as css:
            assert css_outside_urls(css.read()) == [], url


def test_the_404_page_says_what_happened_in_chinese_only(client, sw):  # noqa: F811
    client.force_login(sw.officer)
    texts = parse(client.get("/no-such-page/").content.decode()).texts
    assert "未找到该页面或记录" in texts and not any("Resolver404" in t or "Http404" in t for t in texts)
    assert "未找到该问题，或您无权查看。" in parse(client.get("/problems/999999/").content.decode()).texts
