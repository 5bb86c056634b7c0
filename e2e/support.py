"""Helpers shared by the browser stories."""
import re
from contextlib import contextmanager
from urllib.parse import urlsplit


def htmx_ready(page):
    """Wait until the page now shown has finished loading, so htmx (a deferred script) has wired up its elements.

    A click that lands earlier falls back to the plain link or form, which works but is not what the story tests;
    on a button that only htmx drives (type=button) it would be lost. Call it after a web-first assertion that the
    new page is there, never straight after a click that navigates: the old page has loaded already."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


@contextmanager
def datacheck_world(settings, tmp_path):
    """The test world at its fixed "now", with data sets in the test's own folder and
    the 数据比对模型 problem source: what a data-comparison story starts from."""
    import time_machine

    from qingshan.problems.models import Source
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.DATASETS_DIR = tmp_path / "datasets"
    settings.DATACHECK_ENGINE = "duckdb"
    with time_machine.travel(WORLD_NOW, tick=True):
        world = build_world()
        Source.objects.create(code="model", name="数据比对模型")
        yield world


def import_through_page(page, base_url: str, dataset_code: str, path, rows: int) -> None:
    """Import the file at `path` through the data set's import page, as a data officer does, and see it done."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/datasets/{dataset_code}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('开始导入')")
    expect(page.locator("#batch-result")).to_contain_text(f"导入完成：{rows} 行")


# The texts a user reads in a part of the page as the browser shows it (after its scripts ran): text nodes outside
# script/style/noscript, and the attributes read as text. The same extraction as the server-side crawl
# (qingshan.core.testing.pages), so one rule, `raw_among`, judges both.
_PAGE_TEXTS_JS = """
(root, attributes) => {
    const texts = [];
    if (!root || document.contentType !== "text/html") return texts;
    const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
        acceptNode: node => node.nodeType === Node.ELEMENT_NODE && skip.has(node.tagName)
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
        if (node.nodeType === Node.TEXT_NODE) {
            if (node.data.trim()) texts.push(node.data);
        } else if (node.nodeType === Node.ELEMENT_NODE) {
            for (const name of attributes) {
                const value = node.getAttribute(name);
                if (value && value.trim()) texts.push(value);
            }
        }
    }
    return texts;
}
"""
_BINDING = "__qingshanPageTexts"
# The API documentation is the vendored Swagger UI and Redoc, whose own interface is English ("Copy path to
# clipboard", "Request Body schema:"); what we put into it, the schema, is checked where it is made
# (qingshan/api/tests/test_schema.py). There, only template syntax is looked for.
VENDORED_VIEWERS = re.compile(r"^/api/(docs|redoc)/$")


class PageWatch:
    """Every page a story renders is read as shown, once per load and once per htmx swap (only the swapped part),
    and what a user must never read (template syntax, English developer sentences) is kept by URL; the story fails
    on it (`assert_clean`). An init script in every document hands the texts to Python through one binding call."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def attach(self, context) -> None:
        from qingshan.core.testing.pages import READ_ATTRIBUTES

        context.expose_binding(_BINDING, lambda source, url, texts: self.judge(url, texts))
        attributes = list(READ_ATTRIBUTES)
        context.add_init_script(f"""(() => {{
            const texts = {_PAGE_TEXTS_JS};
            const send = root => {{
                const found = texts(root, {attributes!r});
                if (found.length) window.{_BINDING}(location.href, found).catch(() => {{}});
            }};
            addEventListener("load", () => send(document.body));
            document.addEventListener("htmx:afterSettle", event => send(event.target));
        }})();""")

    def judge(self, url: str, texts: list[str]) -> None:
        from qingshan.core.testing.pages import raw_among

        if raw := raw_among(texts, sentences=not VENDORED_VIEWERS.match(urlsplit(url).path)):
            self.found.setdefault(url, []).extend(t for t in raw if t not in self.found.get(url, []))

    def check_now(self, page) -> None:
        """Read the page shown now (the end of a story: what it did last may have rendered no new document)."""
        from playwright.sync_api import Error

        from qingshan.core.testing.pages import READ_ATTRIBUTES

        try:
            texts = page.evaluate(f"() => ({_PAGE_TEXTS_JS})(document.body, {list(READ_ATTRIBUTES)!r})")
        except Error:  # a page closed or navigating away has nothing left to read
            return
        self.judge(page.url, texts)

    def assert_clean(self) -> None:
        assert self.found == {}, f"pages showing template syntax or English developer text: {self.found}"
