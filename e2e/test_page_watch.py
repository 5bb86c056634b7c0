"""The watch every browser story runs under: a page that shows template syntax or English developer text fails it."""
import pytest

from e2e.support import PageWatch
from qingshan.core.testing.pages import raw_among

LEAKED = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报送</title></head><body>
<main><h1>季度报送</h1>
<button type="button" disabled>{# Disabled while its row loads #}提交</button>
<p>共 3 项，Excel 文件</p><input placeholder="请输入单位名称">
<div id="slot"></div></main></body></html>"""


def test_the_rule_finds_a_comment_and_a_sentence_but_not_chinese_or_codes():
    assert raw_among(["{# Disabled while its row loads … #}", "共 3 项", "Excel", "NH3-N mg/L",
                      "This field is required.", "请上传 Excel 文件 (xlsx, csv, or json)"]) == [
        "{# Disabled while its row loads … #}", "This field is required."]
    # On the vendored API viewers only their English interface is let through, never template syntax.
    assert raw_among(["Copy path to clipboard", "{{ summary }}"], sentences=False) == ["{{ summary }}"]


@pytest.fixture
def watched(browser):
    context = browser.new_context(locale="zh-CN")
    watch = PageWatch()
    watch.attach(context)
    context.route("http://qingshan.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=LEAKED))
    page = context.new_page()
    yield page, watch
    context.close()


def _reported(page, watch, url: str, count: int) -> list[str]:
    """What the watch holds for the URL once the page's binding calls have reached it (they come as events)."""
    for _ in range(100):
        if len(watch.found.get(url, [])) >= count:
            break
        page.wait_for_timeout(50)
    return watch.found.get(url, [])


def test_a_page_load_with_a_leaked_comment_fails_naming_its_url(watched):
    page, watch = watched
    page.goto("http://qingshan.test/reports/7/")
    # Reported by the page's load, without asking.
    assert _reported(page, watch, "http://qingshan.test/reports/7/", 1) == ["{# Disabled while its row loads #}提交"]
    watch.check_now(page)  # read again at the end of the story: the same finding, not twice
    assert watch.found == {"http://qingshan.test/reports/7/": ["{# Disabled while its row loads #}提交"]}
    with pytest.raises(AssertionError, match=r"reports/7/.*Disabled while its row loads"):
        watch.assert_clean()


def test_an_htmx_swap_that_leaks_is_caught_without_a_new_document(watched):
    page, watch = watched
    page.goto("http://qingshan.test/slots/")
    assert _reported(page, watch, "http://qingshan.test/slots/", 1)
    # What htmx does after swapping a fragment in: the part swapped is settled, and the event bubbles up.
    page.evaluate("""() => {
        const slot = document.getElementById("slot");
        slot.innerHTML = '<span title="Loading the row, please wait">加载中</span>';
        slot.dispatchEvent(new CustomEvent("htmx:afterSettle", {bubbles: true}));
    }""")
    assert _reported(page, watch, "http://qingshan.test/slots/", 2)[-1] == "Loading the row, please wait"
